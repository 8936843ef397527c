#pragma once
// Conv2d: x [N, in, H, W] -> [N, out, OH, OW] with a square kernel, zero padding.
// weight [out, in, kernel, kernel], bias [out]. PyTorch's default init: uniform in
// +-1/sqrt(in * kernel * kernel). Build it without bias when a BatchNorm follows.
#include "layers/module.h"

#include <cstdint>

namespace nabla::nn {

struct Conv2dOptions {
    std::int64_t in = 0, out = 0, kernel = 0, stride = 1, padding = 0;
    bool bias = true;
};

class Conv2d : public Module {
public:
    explicit Conv2d(const Conv2dOptions& options);

    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "Conv2d"; }
    std::string extra_repr() const override;

    const Conv2dOptions& options() const { return options_; }
    Tensor weight() const { return weight_; }
    Tensor bias() const { return bias_; }  // undefined when bias=false

private:
    Conv2dOptions options_;
    Tensor weight_, bias_;
};

}  // namespace nabla::nn
