#include "optim/adam.h"

#include "core/error.h"
#include "core/parallel.h"
#include "core/simd.h"

#include <cmath>

namespace nabla::optim {

void validate(const AdamOptions& o) {
    NABLA_CHECK(o.lr >= 0.0, "Adam", "invalid learning rate: {}", o.lr);
    NABLA_CHECK(o.beta1 >= 0.0 && o.beta1 < 1.0, "Adam", "invalid beta1: {} (must be in [0, 1))", o.beta1);
    NABLA_CHECK(o.beta2 >= 0.0 && o.beta2 < 1.0, "Adam", "invalid beta2: {} (must be in [0, 1))", o.beta2);
    NABLA_CHECK(o.eps >= 0.0, "Adam", "invalid eps: {} (must be >= 0)", o.eps);
    NABLA_CHECK(o.weight_decay >= 0.0, "Adam", "invalid weight_decay: {}", o.weight_decay);
}

Adam::Adam(const std::vector<Tensor>& params, const AdamOptions& options)
    : Adam("Adam", {{params, options}}) {}
Adam::Adam(const std::vector<ParamGroup<AdamOptions>>& groups) : Adam("Adam", groups) {}
Adam::Adam(std::string name, const std::vector<ParamGroup<AdamOptions>>& groups)
    : OptimizerWith<AdamOptions>(std::move(name), groups) {}

namespace {

struct AdamStep {
    float neg_step_size, bc2_sqrt, beta1, beta2, one_minus_beta1, one_minus_beta2, eps, wd, decay_factor;
    bool decay, decoupled;
};

NABLA_HOT_LOOP void adam_step(float* p, const float* g, float* m, float* v, std::int64_t n, AdamStep s) {
    for (std::int64_t i = 0; i < n; ++i) {
        float d = g[i];
        if (s.decay) {
            if (s.decoupled)
                p[i] = p[i] * s.decay_factor;
            else
                d = add_scaled(d, s.wd, p[i]);
        }
        m[i] = add_scaled(m[i] * s.beta1, s.one_minus_beta1, d);
        v[i] = v[i] * s.beta2 + s.one_minus_beta2 * d * d;
        const float denom = std::sqrt(v[i]) / s.bc2_sqrt + s.eps;
        p[i] = p[i] + s.neg_step_size * (m[i] / denom);
    }
}

}  // namespace

void Adam::update(std::size_t group, Tensor& param, const Tensor& grad, std::vector<Tensor>& state) {
    // Scalars in double, element arithmetic in float32, in PyTorch's order (its
    // _single_tensor_adam/adamw), so the trajectories agree to a few ulp.
    const AdamOptions& o = options(group);
    const auto t = static_cast<double>(step_count());
    const double bias_correction1 = 1.0 - std::pow(o.beta1, t);
    const double bias_correction2_sqrt = std::sqrt(1.0 - std::pow(o.beta2, t));
    if (!state[0].defined()) {
        state[0] = zeros(param.shape());
        state[1] = zeros(param.shape());
    }
    float* p = param.data();
    const float* g = grad.data();
    float* m = state[0].data();
    float* v = state[1].data();
    const AdamStep step{.neg_step_size = static_cast<float>(-(o.lr / bias_correction1)),
                        .bc2_sqrt = static_cast<float>(bias_correction2_sqrt),
                        .beta1 = static_cast<float>(o.beta1),
                        .beta2 = static_cast<float>(o.beta2),
                        .one_minus_beta1 = static_cast<float>(1.0 - o.beta1),
                        .one_minus_beta2 = static_cast<float>(1.0 - o.beta2),
                        .eps = static_cast<float>(o.eps),
                        .wd = static_cast<float>(o.weight_decay),
                        .decay_factor = static_cast<float>(1.0 - o.lr * o.weight_decay),
                        .decay = o.weight_decay != 0.0,
                        .decoupled = o.decoupled_weight_decay};
    // Elements are independent: large tensors are split over the threads.
    parallel_ranges(param.numel(), [&](std::int64_t lo, std::int64_t hi) {
        adam_step(p + lo, g + lo, m + lo, v + lo, hi - lo, step);
    });
}

namespace {
std::vector<ParamGroup<AdamOptions>> decoupled(std::vector<ParamGroup<AdamOptions>> groups) {
    for (auto& g : groups) g.options.decoupled_weight_decay = true;
    return groups;
}
}  // namespace

AdamW::AdamW(const std::vector<Tensor>& params, const AdamOptions& options)
    : AdamW(std::vector<ParamGroup<AdamOptions>>{{params, options}}) {}
AdamW::AdamW(const std::vector<ParamGroup<AdamOptions>>& groups) : Adam("AdamW", decoupled(groups)) {}

}  // namespace nabla::optim
