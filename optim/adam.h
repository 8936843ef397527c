#pragma once
// Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019) with PyTorch's
// update rule (torch.optim.Adam / AdamW), t being the optimizer's step count:
//   Adam:  g = g + weight_decay * p             AdamW: p = p * (1 - lr * weight_decay)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// eps sits outside the square root. The bias correction uses one step counter per
// optimizer (PyTorch keeps one per parameter); the two agree whenever every parameter
// has a gradient at every step. A parameter first stepped later starts its moments
// at zero with the optimizer's current t.
#include "optim/optimizer.h"

namespace nabla::optim {

struct AdamOptions {
    double lr = 1e-3;
    double beta1 = 0.9;         // in [0, 1)
    double beta2 = 0.999;       // in [0, 1)
    double eps = 1e-8;          // >= 0
    double weight_decay = 0.0;  // an L2 penalty added to the gradient, or decoupled (below)
    // AdamW's rule, p *= 1 - lr * weight_decay each step (torch.optim.Adam's flag of the
    // same name); AdamW sets it.
    bool decoupled_weight_decay = false;
};
void validate(const AdamOptions& options);

class Adam : public OptimizerWith<AdamOptions> {
public:
    Adam(const std::vector<Tensor>& params, const AdamOptions& options = {});
    explicit Adam(const std::vector<ParamGroup<AdamOptions>>& groups);

protected:
    Adam(std::string name, const std::vector<ParamGroup<AdamOptions>>& groups);
    std::vector<std::string> state_names() const override { return {"exp_avg", "exp_avg_sq"}; }
    void update(std::size_t group, Tensor& param, const Tensor& grad, std::vector<Tensor>& state) override;
};

// Adam with decoupled_weight_decay in every group. weight_decay defaults to 0 as for Adam
// (PyTorch's AdamW defaults to 1e-2): AdamW(params, {.lr = 1e-3, .weight_decay = 1e-2}).
class AdamW : public Adam {
public:
    AdamW(const std::vector<Tensor>& params, const AdamOptions& options = {});
    explicit AdamW(const std::vector<ParamGroup<AdamOptions>>& groups);
};

}  // namespace nabla::optim
