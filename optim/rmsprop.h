#pragma once
// RMSprop (Hinton's lecture notes; the centered form from Graves, 2013) with
// PyTorch's update rule and option names (torch.optim.RMSprop):
//   g = g + weight_decay * p
//   v = alpha * v + (1 - alpha) * g * g
//   centered:  a = alpha * a + (1 - alpha) * g;   denom = sqrt(v - a * a) + eps
//   otherwise: denom = sqrt(v) + eps
//   momentum > 0: b = momentum * b + g / denom;  p = p - lr * b
//   otherwise:    p = p - lr * g / denom
// eps sits outside the square root (TensorFlow puts it inside). There is no bias
// correction: v starts at zero, so the first steps are large (about lr / sqrt(1 - alpha)).
#include "optim/optimizer.h"

namespace nabla::optim {

struct RMSpropOptions {
    double lr = 1e-2;
    double alpha = 0.99;        // smoothing constant, in [0, 1]
    double eps = 1e-8;          // >= 0
    double weight_decay = 0.0;  // L2 penalty added to the gradient
    double momentum = 0.0;      // in [0, 1)
    bool centered = false;      // divide by an estimate of the gradient's variance
};
void validate(const RMSpropOptions& options);

// State per parameter: "square_avg", plus "momentum_buffer" when any group uses
// momentum and "grad_avg" when any group is centered (a parameter in a group that
// does not use one keeps it at zero, so every stepped parameter has the same keys).
class RMSprop : public OptimizerWith<RMSpropOptions> {
public:
    RMSprop(const std::vector<Tensor>& params, const RMSpropOptions& options = {});
    explicit RMSprop(const std::vector<ParamGroup<RMSpropOptions>>& groups);

protected:
    std::vector<std::string> state_names() const override { return state_names_; }
    void update(std::size_t group, Tensor& param, const Tensor& grad, std::vector<Tensor>& state) override;

private:
    std::vector<std::string> state_names_;
    int momentum_slot_ = -1, grad_avg_slot_ = -1;  // indices into state_names_, -1 when absent
};

}  // namespace nabla::optim
