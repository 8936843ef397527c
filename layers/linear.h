#pragma once
// Linear: y = x W^T + b, x [N, in] -> y [N, out]. weight [out, in], bias [out].
// PyTorch's default init: W and b uniform in +-1/sqrt(in) (kaiming_uniform with
// a = sqrt(5)). Build it without bias when a BatchNorm follows (see linear_bn).
#include "layers/module.h"

#include <cstdint>

namespace nabla::nn {

struct LinearOptions {
    std::int64_t in = 0, out = 0;
    bool bias = true;
};

class Linear : public Module {
public:
    explicit Linear(const LinearOptions& options);

    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "Linear"; }
    std::string extra_repr() const override;

    const LinearOptions& options() const { return options_; }
    Tensor weight() const { return weight_; }
    Tensor bias() const { return bias_; }  // undefined when bias=false

private:
    LinearOptions options_;
    Tensor weight_, bias_;
};

}  // namespace nabla::nn
