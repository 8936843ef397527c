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
    double momentum = 0.0;   // in [0, 1)
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

// SGD with momentum 0.9 unless told otherwise: the classic "momentum" optimizer.
struct MomentumOptions {
    double lr = 0.01;
    double momentum = 0.9;
    double dampening = 0.0;
    bool nesterov = false;
    double weight_decay = 0.0;
};

class Momentum : public SGD {
public:
    Momentum(const std::vector<Tensor>& params, const MomentumOptions& options);
    explicit Momentum(const std::vector<ParamGroup<MomentumOptions>>& groups);
};

}  // namespace nabla::optim
