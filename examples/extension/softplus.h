#pragma once
// An extension of nabla that uses nothing but its public API (<nabla.h>):
//   softplus        an op with its own backward: one tape entry instead of several
//   ScaledSoftplus  a layer composed of ops, with two parameters; no backward to write
// docs/extending.md walks through both.
#include <nabla.h>

#include <cstdint>
#include <string>

namespace myext {

// softplus(x) = log(1 + exp(x)), elementwise. Its derivative is sigmoid(x).
nabla::Tensor softplus(const nabla::Tensor& x);

// y = softplus(x * scale + shift) for x [N, features], one scale and shift per feature.
class ScaledSoftplus : public nabla::nn::Module {
public:
    explicit ScaledSoftplus(std::int64_t features);
    nabla::Tensor forward(const nabla::Tensor& x) override;
    std::string name() const override { return "ScaledSoftplus"; }
    std::string extra_repr() const override { return std::to_string(features_); }

    // Handles sharing the parameters' data (a Tensor is a shared handle).
    nabla::Tensor scale() const { return scale_; }
    nabla::Tensor shift() const { return shift_; }

private:
    std::int64_t features_;
    nabla::Tensor scale_, shift_;
};

}  // namespace myext
