#include "layers/layer_norm.h"

#include "autograd/ops.h"
#include "core/error.h"

namespace nabla::nn {

LayerNorm::LayerNorm(LayerNormOptions options) : options_(std::move(options)) {
    NABLA_CHECK(!options_.normalized_shape.empty(), "LayerNorm", "normalized_shape must not be empty");
    NABLA_CHECK(options_.eps > 0.0f, "LayerNorm", "eps must be positive, got {}", options_.eps);
    const Shape shape(options_.normalized_shape);
    NABLA_CHECK(shape.numel() > 0, "LayerNorm", "normalized_shape {} has no elements", shape);
    // Parameters are registered by name; the layer keeps handles (copies share data).
    if (options_.elementwise_affine) {
        weight_ = register_parameter("weight", ones(shape));
        bias_ = register_parameter("bias", zeros(shape));
    }
}

Tensor LayerNorm::forward(const Tensor& x) {
    const auto& ns = options_.normalized_shape;
    const auto k = static_cast<std::int64_t>(ns.size());
    NABLA_CHECK(x.defined() && x.dim() >= k, "LayerNorm", "input {} has fewer than {} dimensions",
                x.defined() ? x.shape().str() : "undefined", k);
    std::vector<std::int64_t> dims;
    for (std::int64_t i = 0; i < k; ++i) {
        NABLA_CHECK(x.size(x.dim() - k + i) == ns[static_cast<size_t>(i)], "LayerNorm",
                    "input {} does not end with normalized_shape {}", x.shape(), Shape(ns));
        dims.push_back(i - k);  // the last k dimensions, counted from the end
    }
    // Every step is a differentiable op, so backward comes from the tape: no
    // hand-written gradient to get wrong. keepdim=true keeps the statistics
    // broadcastable against x.
    const Tensor mu = mean(x, dims, /*keepdim=*/true);
    const Tensor xc = x - mu;
    const Tensor var = mean(xc * xc, dims, /*keepdim=*/true);  // biased, as PyTorch
    Tensor y = xc / sqrt(var + options_.eps);
    if (options_.elementwise_affine) y = y * weight_ + bias_;  // [*ns] broadcasts over the leading dims
    return y;
}

std::string LayerNorm::extra_repr() const {
    return fmt::format("{}, eps={}, elementwise_affine={}", Shape(options_.normalized_shape), options_.eps,
                       options_.elementwise_affine);
}

}  // namespace nabla::nn
