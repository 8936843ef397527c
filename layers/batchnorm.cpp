#include "layers/batchnorm.h"

#include "autograd/ops.h"
#include "core/error.h"

#include <algorithm>

namespace nabla::nn {

namespace {

// The input layouts of the ranks a BatchNorm takes, e.g. "[N, C] or [N, C, L]".
std::string layouts(const std::vector<std::int64_t>& ranks) {
    std::string text;
    for (const std::int64_t r : ranks) {
        if (!text.empty()) text += " or ";
        text += r == 2 ? "[N, C]" : r == 3 ? "[N, C, L]" : r == 4 ? "[N, C, H, W]" : fmt::format("{}-d", r);
    }
    return text;
}

// The sibling layer that takes an input of `rank`, when the user picked the wrong one.
std::string sibling_hint(const std::string& kind, std::int64_t rank) {
    if (kind == "BatchNorm1d" && rank == 4) return " (for images [N, C, H, W] use BatchNorm2d)";
    if (kind == "BatchNorm2d" && (rank == 2 || rank == 3))
        return " (for features [N, C] or sequences [N, C, L] use BatchNorm1d)";
    return "";
}

}  // namespace

BatchNorm::BatchNorm(std::string kind, std::vector<std::int64_t> ndims, const BatchNormOptions& options)
    : kind_(std::move(kind)), ndims_(std::move(ndims)), options_(options) {
    NABLA_CHECK(options.num_features > 0, kind_, "num_features must be positive, got {}",
                options.num_features);
    check_batch_norm_args({.momentum = options.momentum.value_or(0.0f), .eps = options.eps}, kind_);
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

Tensor BatchNorm::normalise(const Tensor& x, bool relu) {
    NABLA_CHECK(x.defined(), label(), "undefined input");
    const Shape& s = x.shape();
    NABLA_CHECK(std::find(ndims_.begin(), ndims_.end(), x.dim()) != ndims_.end(), label(),
                "expected input {}, got {}{}", layouts(ndims_), s, sibling_hint(kind_, x.dim()));
    NABLA_CHECK(s[1] == options_.num_features, label(), "input {} has {} channels (dimension 1), expected {}",
                s, s[1], options_.num_features);
    // The one place deciding both: training normalises with the batch and folds it into the
    // running statistics; eval normalises with them, or with the batch when the layer keeps
    // none (as PyTorch does).
    const bool tracking = options_.track_running_stats;
    const bool update = is_training() && tracking;
    // Unset momentum: this batch's weight in the average over all batches so far, itself included.
    const float momentum = options_.momentum ? *options_.momentum
                           : update          ? 1.0f / (num_batches_tracked_.item() + 1.0f)
                                             : 0.0f;
    const BatchNormArgs args{.use_batch_stats = is_training() || !tracking,
                             .update_running_stats = update,
                             .momentum = momentum,
                             .eps = options_.eps};
    Tensor y;
    try {
        if (fn_) {  // set_batch_norm_fn's function (SyncBatchNorm's) has no fused form
            y = fn_(x, weight_, bias_, running_mean_, running_var_, args);
            if (relu) y = nabla::relu(y);
        } else {
            y = (relu ? batch_norm_relu : batch_norm)(x, weight_, bias_, running_mean_, running_var_, args);
        }
    } catch (const Error& e) {
        throw e.with_context(label());  // the layer is what the user can act on
    }
    if (args.update_running_stats) {
        num_batches_tracked_.data()[0] += 1.0f;
        num_batches_tracked_.bump_version();
    }
    return y;
}

void BatchNorm::set_batch_norm_fn(BatchNormFn fn, std::string kind) {
    NABLA_CHECK(fn != nullptr, label(), "set_batch_norm_fn: empty function");
    fn_ = std::move(fn);
    kind_ = std::move(kind);
}

std::string BatchNorm::extra_repr() const {
    const std::string momentum = options_.momentum ? fmt::format("{}", *options_.momentum) : "None";
    return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", options_.num_features,
                       options_.eps, momentum, options_.affine, options_.track_running_stats);
}

}  // namespace nabla::nn
