#include "layers/instance_norm.h"

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/error.h"

namespace nabla::nn {

InstanceNorm2d::InstanceNorm2d(const InstanceNormOptions& o) : options_(o) {
    NABLA_CHECK(o.num_features > 0, "InstanceNorm2d", "num_features must be positive, got {}",
                o.num_features);
    NABLA_CHECK(o.eps > 0.0f, "InstanceNorm2d", "eps must be positive, got {}", o.eps);
    NABLA_CHECK(o.momentum >= 0.0f && o.momentum <= 1.0f, "InstanceNorm2d",
                "momentum (the weight of the new batch) must be in [0, 1], got {}", o.momentum);
    if (o.affine) {
        weight_ = register_parameter("weight", ones({o.num_features}));
        bias_ = register_parameter("bias", zeros({o.num_features}));
    }
    if (o.track_running_stats) {
        running_mean_ = register_buffer("running_mean", zeros({o.num_features}));
        running_var_ = register_buffer("running_var", ones({o.num_features}));
        register_buffer("num_batches_tracked", zeros({}));
    }
}

Tensor InstanceNorm2d::forward(const Tensor& x) {
    const std::int64_t C = options_.num_features;
    NABLA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == C, "InstanceNorm2d",
                "expected input [N, {}, H, W], got {}", C, describe(x));
    const Shape per_channel({C, 1, 1});
    const bool instance_stats = is_training() || !options_.track_running_stats;
    Tensor y;
    if (instance_stats) {
        const std::int64_t N = x.size(0), S = x.size(2) * x.size(3);
        NABLA_CHECK(
            S > 1, "InstanceNorm2d",
            "expected more than 1 spatial element per channel, got input {}: the variance of one value "
            "is 0",
            x.shape());
        // [N, C, H, W] -> [N, C, H*W]: each row of the last dimension is one plane.
        const Tensor xp = x.reshape({N, C, S});
        const Tensor mu = mean(xp, {2}, /*keepdim=*/true);
        const Tensor xc = xp - mu;
        const Tensor var = mean(xc * xc, {2}, /*keepdim=*/true);
        y = (xc / sqrt(var + options_.eps)).reshape(x.shape());
        if (is_training() && options_.track_running_stats) {
            NoGradGuard no_grad;
            const float m = options_.momentum, unbias = float(S) / float(S - 1);
            const Tensor batch_mean = mean(mu.detach(), {0}).reshape({C});
            const Tensor batch_var = mean(var.detach(), {0}).reshape({C});
            for (std::int64_t c = 0; c < C; ++c) {
                running_mean_.data()[c] = (1.0f - m) * running_mean_.data()[c] + m * batch_mean.data()[c];
                running_var_.data()[c] =
                    (1.0f - m) * running_var_.data()[c] + m * batch_var.data()[c] * unbias;
            }
            running_mean_.bump_version();
            running_var_.bump_version();
        }
    } else {
        y = (x - running_mean_.reshape(per_channel)) / sqrt(running_var_.reshape(per_channel) + options_.eps);
    }
    if (options_.affine) y = y * weight_.reshape(per_channel) + bias_.reshape(per_channel);
    return y;
}

std::string InstanceNorm2d::extra_repr() const {
    return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", options_.num_features,
                       options_.eps, options_.momentum, options_.affine, options_.track_running_stats);
}

}  // namespace nabla::nn
