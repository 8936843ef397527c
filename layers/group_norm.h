#pragma once
// GroupNorm: splits the C channels of x [N, C, ...] into num_groups groups and
// normalises each (sample, group) over its channels and positions, then applies a
// per-channel weight and bias. Per-sample statistics like LayerNorm (batch size does
// not matter; num_groups = 1 is LayerNorm over [C, H, W], num_groups = C is
// InstanceNorm), with per-channel affine like BatchNorm. Composed from public ops
// (docs/extending.md).
#include "layers/module.h"

#include <cstdint>

namespace nabla::nn {

struct GroupNormOptions {
    std::int64_t num_groups = 0, num_channels = 0;
    float eps = 1e-5f;
    bool affine = true;
};

class GroupNorm : public Module {
public:
    explicit GroupNorm(const GroupNormOptions& options);
    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "GroupNorm"; }
    std::string extra_repr() const override;

    Tensor weight() const { return weight_; }
    Tensor bias() const { return bias_; }

private:
    GroupNormOptions options_;
    Tensor weight_, bias_;
};

}  // namespace nabla::nn
