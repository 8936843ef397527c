#pragma once
// InstanceNorm2d: normalises each (sample, channel) plane of x [N, C, H, W] over its
// H*W positions, so the statistics never mix samples (batch size does not matter).
// PyTorch's semantics and defaults (torch.nn.InstanceNorm2d):
//  - affine = false: no "weight"/"bias" unless asked for (then per channel, init 1 and 0);
//  - track_running_stats = false: batch-free in both modes. When on, training updates
//    running = (1 - momentum) * running + momentum * (the instance statistic averaged
//    over the batch), with each plane's unbiased variance, and eval normalises with the
//    running statistics. The buffers are "running_mean", "running_var" and
//    "num_batches_tracked" (kept for PyTorch's checkpoint layout; PyTorch never counts
//    batches for instance norm either).
// Equals GroupNorm with one channel per group when affine. Composed from public ops.
#include "layers/module.h"

#include <cstdint>

namespace nabla::nn {

struct InstanceNormOptions {
    std::int64_t num_features = 0;
    float eps = 1e-5f;
    float momentum = 0.1f;  // weight of the new batch in the running estimates
    bool affine = false;
    bool track_running_stats = false;
};

class InstanceNorm2d : public Module {
public:
    explicit InstanceNorm2d(const InstanceNormOptions& options);
    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "InstanceNorm2d"; }
    std::string extra_repr() const override;

    const InstanceNormOptions& options() const { return options_; }
    Tensor weight() const { return weight_; }  // undefined unless affine
    Tensor bias() const { return bias_; }
    Tensor running_mean() const { return running_mean_; }  // undefined unless tracking
    Tensor running_var() const { return running_var_; }

private:
    InstanceNormOptions options_;
    Tensor weight_, bias_, running_mean_, running_var_;
};

}  // namespace nabla::nn
