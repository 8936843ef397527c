#pragma once
// Parameter-free layers: the elementwise nonlinearities, Flatten and Identity.
#include "layers/module.h"

#include <cstdint>

namespace nabla::nn {

class ReLU : public Module {
public:
    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "ReLU"; }
};

class Sigmoid : public Module {
public:
    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "Sigmoid"; }
};

class Tanh : public Module {
public:
    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "Tanh"; }
};

struct FlattenOptions {
    std::int64_t start_dim = 1, end_dim = -1;  // keeps the batch dimension by default
};

// [N, C, H, W] -> [N, C*H*W] by default; shares the data (a view).
class Flatten : public Module {
public:
    explicit Flatten(const FlattenOptions& options = {}) : options_(options) {}
    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "Flatten"; }
    std::string extra_repr() const override;

private:
    FlattenOptions options_;
};

class Identity : public Module {
public:
    Tensor forward(const Tensor& x) override { return x; }
    std::string name() const override { return "Identity"; }
};

}  // namespace nabla::nn
