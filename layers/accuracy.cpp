#include "layers/accuracy.h"

#include "autograd/ops.h"

namespace nabla::nn {

std::int64_t count_correct(const Tensor& logits, const Tensor& labels) {
    NABLA_CHECK(logits.defined() && labels.defined() && logits.dim() == 2 && labels.dim() == 1 &&
                    labels.size(0) == logits.size(0),
                "count_correct", "expected logits [B, classes] and labels [B], got {} and {}",
                describe(logits), describe(labels));
    const Tensor predicted = argmax(logits, 1);
    std::int64_t correct = 0;
    for (std::int64_t i = 0; i < predicted.numel(); ++i) correct += predicted.data()[i] == labels.data()[i];
    return correct;
}

}  // namespace nabla::nn
