#include "layers/loss.h"

#include "core/error.h"

namespace nabla::nn {

Tensor cross_entropy(const Tensor& logits, const Tensor& labels, Reduction reduction) {
    return nabla::cross_entropy(logits, labels, reduction);
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
    NABLA_CHECK(input.defined() && target.defined() && input.shape() == target.shape(), "mse_loss",
                "input {} and target {} must have the same shape",
                input.defined() ? input.shape().str() : "?", target.defined() ? target.shape().str() : "?");
    const Tensor sq = pow(input - target, 2.0f);
    switch (reduction) {
        case Reduction::mean: return mean(sq);
        case Reduction::sum: return sum(sq);
        case Reduction::none: return sq;
    }
    return sq;
}

}  // namespace nabla::nn
