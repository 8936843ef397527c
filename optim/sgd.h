#pragma once
// Stochastic gradient descent with PyTorch's update rule (torch.optim.SGD):
//   d = g + weight_decay * p
//   v = d on the first step, then v = momentum * v + (1 - dampening) * d
//   d = nesterov ? d + momentum * v : v        (when momentum != 0)
//   p = p - lr * d
#include "optim/optimizer.h"

namespace nabla::optim {

struct SGDOptions {
    double lr = 0.01;
    double momentum = 0.0;   // in [0, 1); Momentum needs it > 0
    double dampening = 0.0;  // in [0, 1]
    bool nesterov = false;   // needs momentum > 0 and dampening 0
    double weight_decay = 0.0;
};
void validate(const SGDOptions& options);

class SGD : public OptimizerWith<SGDOptions> {
public:
    SGD(const std::vector<Tensor>& params, const SGDOptions& options);
    explicit SGD(const std::vector<ParamGroup<SGDOptions>>& groups);

protected:
    SGD(std::string name, const std::vector<ParamGroup<SGDOptions>>& groups);
    std::vector<std::string> state_names() const override { return {"momentum_buffer"}; }
    void update(std::size_t group, Tensor& param, const Tensor& grad, std::vector<Tensor>& state) override;
};

// The classic "momentum" optimizer: SGD with the same options, which must give a momentum
// (0 would be plain SGD under another name, so it is refused):
//   Momentum(params, {.lr = 0.1, .momentum = 0.9})
class Momentum : public SGD {
public:
    Momentum(const std::vector<Tensor>& params, const SGDOptions& options);
    explicit Momentum(const std::vector<ParamGroup<SGDOptions>>& groups);
};

}  // namespace nabla::optim
