#pragma once
// LayerNorm: normalises each sample over its trailing `normalized_shape` dimensions,
// y = (x - mean) / sqrt(var + eps) * weight + bias (biased variance, per sample).
// No batch statistics, so it behaves the same for any batch size, in train and eval:
// the answer to BatchNorm's small-batch weakness.
//
// Written only against the public API, as the worked example of an op with its own
// backward in docs/extending.md: layer_norm() below records one tape entry with the
// closed-form gradient instead of the ~8 entries the composed version (mean, sub,
// mul, mean, add, sqrt, div, mul, add) would record; the tests check it against that
// composition.
#include "layers/module.h"

#include <cstdint>
#include <vector>

namespace nabla::nn {

struct LayerNormOptions {
    std::vector<std::int64_t> normalized_shape;  // the trailing dimensions, e.g. {256}
    float eps = 1e-5f;
    bool elementwise_affine = true;  // weight (init 1) and bias (init 0) of normalized_shape
};

// The functional form: normalises x over its trailing dimensions, which must equal
// normalized_shape; weight and bias have that shape or are undefined (no affine).
Tensor layer_norm(const Tensor& x, const std::vector<std::int64_t>& normalized_shape, const Tensor& weight,
                  const Tensor& bias, float eps = 1e-5f);

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
