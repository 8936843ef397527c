#include "layers/dropout.h"

#include "autograd/ops.h"
#include "core/error.h"
#include "core/random.h"

namespace nabla::nn {

Dropout::Dropout(const DropoutOptions& options) : options_(options) {
    NABLA_CHECK(options.p >= 0.0f && options.p <= 1.0f, "Dropout", "p must be in [0, 1], got {}", options.p);
}

Tensor Dropout::forward(const Tensor& x) {
    if (!is_training() || options_.p == 0.0f) return x;
    // The mask is a constant (no grad): d(x * mask)/dx = mask, so kept elements pass
    // their gradient scaled like their value and dropped ones get zero.
    Tensor mask = empty(x.shape());
    const float keep = 1.0f - options_.p, scale = keep > 0.0f ? 1.0f / keep : 0.0f;
    Generator& g = global_generator();
    for (std::int64_t i = 0; i < mask.numel(); ++i)
        mask.data()[i] = uniform_float(g, 0.0f, 1.0f) < options_.p ? 0.0f : scale;
    return mul(x, mask);
}

std::string Dropout::extra_repr() const { return fmt::format("p={}", options_.p); }

}  // namespace nabla::nn
