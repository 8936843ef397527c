#pragma once
// LayerNorm: normalises each sample over its trailing `normalized_shape` dimensions,
// y = (x - mean) / sqrt(var + eps) * weight + bias (biased variance, per sample).
// No batch statistics, so it behaves the same for any batch size, in train and eval:
// the answer to BatchNorm's small-batch weakness.
//
// Written only against the public API (ops composed, gradients for free): it is the
// worked example in docs/extending.md.
#include "layers/module.h"

#include <cstdint>
#include <vector>

namespace nabla::nn {

struct LayerNormOptions {
    std::vector<std::int64_t> normalized_shape;  // the trailing dimensions, e.g. {256}
    float eps = 1e-5f;
    bool elementwise_affine = true;  // weight (init 1) and bias (init 0) of normalized_shape
};

class LayerNorm : public Module {
public:
    explicit LayerNorm(LayerNormOptions options);
    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "LayerNorm"; }
    std::string extra_repr() const override;

    Tensor weight() const { return weight_; }
    Tensor bias() const { return bias_; }

private:
    LayerNormOptions options_;
    Tensor weight_, bias_;
};

}  // namespace nabla::nn
