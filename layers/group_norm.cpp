#include "layers/group_norm.h"

#include "autograd/ops.h"
#include "core/error.h"

namespace nabla::nn {

GroupNorm::GroupNorm(const GroupNormOptions& o) : options_(o) {
    NABLA_CHECK(o.num_groups > 0 && o.num_channels > 0 && o.num_channels % o.num_groups == 0, "GroupNorm",
                "num_channels ({}) must be a positive multiple of num_groups ({})", o.num_channels,
                o.num_groups);
    NABLA_CHECK(o.eps > 0.0f, "GroupNorm", "eps must be positive, got {}", o.eps);
    if (o.affine) {
        weight_ = register_parameter("weight", ones({o.num_channels}));
        bias_ = register_parameter("bias", zeros({o.num_channels}));
    }
}

Tensor GroupNorm::forward(const Tensor& x) {
    const std::int64_t G = options_.num_groups, C = options_.num_channels;
    NABLA_CHECK(x.defined() && x.dim() >= 2 && x.size(1) == C, "GroupNorm",
                "expected input [N, {}, ...], got {}", C, describe(x));
    const std::int64_t N = x.size(0);
    // [N, C, *] -> [N, G, (C/G) * *]: each row of the last dimension is one group of
    // one sample, because a group's channels are consecutive in memory (row-major).
    const Tensor xg = x.reshape({N, G, -1});
    const Tensor mu = mean(xg, {2}, /*keepdim=*/true);
    const Tensor xc = xg - mu;
    const Tensor var = mean(xc * xc, {2}, /*keepdim=*/true);
    Tensor y = (xc / sqrt(var + options_.eps)).reshape(x.shape());
    if (options_.affine) {
        // weight [C] -> [C, 1, ..., 1] so it broadcasts over N and the positions.
        std::vector<std::int64_t> per_channel(static_cast<size_t>(x.dim() - 1), 1);
        per_channel[0] = C;
        y = y * weight_.reshape(Shape(per_channel)) + bias_.reshape(Shape(per_channel));
    }
    return y;
}

std::string GroupNorm::extra_repr() const {
    return fmt::format("{}, {}, eps={}, affine={}", options_.num_groups, options_.num_channels, options_.eps,
                       options_.affine);
}

}  // namespace nabla::nn
