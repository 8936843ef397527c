#include "softplus.h"

#include <cmath>

namespace myext {

using namespace nabla;

Tensor softplus(const Tensor& x) {
    // 1. Validate, then compute with plain loops over contiguous float data.
    NABLA_CHECK(x.defined(), "softplus", "undefined input");
    Tensor y = empty(x.shape());
    for (std::int64_t i = 0; i < x.numel(); ++i) {
        const float v = x.data()[i];
        y.data()[i] = v > 20.0f ? v : std::log1p(std::exp(v));  // exp overflows for large v
    }
    // 2. One tape entry when x wants a gradient. The backward returns one gradient per
    //    input; it captures x as a SavedTensor (which notices an in-place change before
    //    backward) and never y itself (that cycle would keep every step's graph alive).
    //    It runs with grad mode off, so it may use ops: d softplus / dx = sigmoid(x).
    if (needs_grad({&x}))
        record("softplus", {&x}, y, [sx = SavedTensor(x)](const Tensor& grad_out, const GradMask& wants) {
            return std::vector<Tensor>{wants[0] ? grad_out * sigmoid(sx.get()) : Tensor()};
        });
    return y;
}

ScaledSoftplus::ScaledSoftplus(std::int64_t features) : features_(features) {
    NABLA_CHECK(features > 0, "ScaledSoftplus", "features must be positive, got {}", features);
    // Registered state: optimizers, checkpoints ("1.scale") and printing see it.
    scale_ = register_parameter("scale", ones({features}));
    shift_ = register_parameter("shift", zeros({features}));
}

Tensor ScaledSoftplus::forward(const Tensor& x) {
    NABLA_CHECK(x.defined() && x.dim() == 2 && x.size(1) == features_, "ScaledSoftplus",
                "expected input [N, {}], got {}", features_, describe(x));
    // [features] broadcasts over the rows; the tape records mul, add and softplus.
    return softplus(x * scale_ + shift_);
}

}  // namespace myext
