#include "layers/batchnorm.h"

#include "autograd/ops.h"
#include "core/error.h"

#include <algorithm>

namespace nabla::nn {

BatchNorm::BatchNorm(std::string kind, std::vector<std::int64_t> ndims, const BatchNormOptions& options)
    : kind_(std::move(kind)), ndims_(std::move(ndims)), options_(options) {
    NABLA_CHECK(options.num_features > 0, kind_, "num_features must be positive, got {}",
                options.num_features);
    NABLA_CHECK(options.eps > 0.0f, kind_, "eps must be positive, got {}", options.eps);
    NABLA_CHECK(options.momentum >= 0.0f && options.momentum <= 1.0f, kind_,
                "momentum (the weight of the new batch) must be in [0, 1], got {}", options.momentum);
    const std::int64_t C = options.num_features;
    if (options.affine) {
        weight_ = register_parameter("weight", ones({C}));
        bias_ = register_parameter("bias", zeros({C}));
    }
    if (options.track_running_stats) {
        running_mean_ = register_buffer("running_mean", zeros({C}));
        running_var_ = register_buffer("running_var", ones({C}));
        num_batches_tracked_ = register_buffer("num_batches_tracked", zeros({}));
    }
}

std::string BatchNorm::label() const { return fmt::format("{}({})", kind_, options_.num_features); }

void BatchNorm::reset_running_stats() {
    if (!options_.track_running_stats) return;
    running_mean_.fill_(0.0f);
    running_var_.fill_(1.0f);
    num_batches_tracked_.fill_(0.0f);
}

Tensor BatchNorm::forward(const Tensor& x) {
    NABLA_CHECK(x.defined(), label(), "undefined input");
    const Shape& s = x.shape();
    NABLA_CHECK(std::find(ndims_.begin(), ndims_.end(), x.dim()) != ndims_.end(), label(),
                "expected input {}, got {}", kind_ == "BatchNorm2d" ? "[N, C, H, W]" : "[N, C] or [N, C, L]",
                s);
    NABLA_CHECK(s[1] == options_.num_features, label(), "input {} has {} channels (dimension 1), expected {}",
                s, s[1], options_.num_features);
    const bool batch_stats = is_training() || !options_.track_running_stats;
    // The op throws too; checking here names the layer, which is what the user can act on.
    NABLA_CHECK(
        !batch_stats || x.numel() / std::max<std::int64_t>(s[1], 1) > 1, label(),
        "expected more than 1 value per channel when training, got input {}: the variance of one value "
        "is 0. Call model.eval() to normalise with the running statistics, or use a larger batch",
        s);
    const bool update = is_training() && options_.track_running_stats;
    Tensor y = batch_norm(x, weight_, bias_, running_mean_, running_var_,
                          {.training = batch_stats, .momentum = options_.momentum, .eps = options_.eps});
    if (update) {
        num_batches_tracked_.data()[0] += 1.0f;
        num_batches_tracked_.bump_version();
    }
    return y;
}

std::string BatchNorm::extra_repr() const {
    return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", options_.num_features,
                       options_.eps, options_.momentum, options_.affine, options_.track_running_stats);
}

}  // namespace nabla::nn
