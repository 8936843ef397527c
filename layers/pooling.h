#pragma once
// Pooling over [N, C, H, W]. MaxPool2d and AvgPool2d: stride 0 means stride = kernel, as
// in PyTorch; AvgPool2d counts padding as zeros unless count_include_pad is false.
// GlobalAvgPool2d: PyTorch's AdaptiveAvgPool2d(1), the mean of each plane, [N, C, 1, 1].
#include "layers/module.h"

#include <cstdint>

namespace nabla::nn {

struct MaxPool2dOptions {
    std::int64_t kernel = 2, stride = 0, padding = 0;
};

class MaxPool2d : public Module {
public:
    explicit MaxPool2d(const MaxPool2dOptions& options = {}) : options_(options) {}
    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "MaxPool2d"; }
    std::string extra_repr() const override;
    const MaxPool2dOptions& options() const { return options_; }

private:
    MaxPool2dOptions options_;
};

struct AvgPool2dOptions {
    std::int64_t kernel = 2, stride = 0, padding = 0;
    bool count_include_pad = true;
};

class AvgPool2d : public Module {
public:
    explicit AvgPool2d(const AvgPool2dOptions& options = {}) : options_(options) {}
    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "AvgPool2d"; }
    std::string extra_repr() const override;
    const AvgPool2dOptions& options() const { return options_; }

private:
    AvgPool2dOptions options_;
};

class GlobalAvgPool2d : public Module {
public:
    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "GlobalAvgPool2d"; }
};

}  // namespace nabla::nn
