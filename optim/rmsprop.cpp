#include "optim/rmsprop.h"

#include "core/error.h"
#include "core/parallel.h"
#include "core/simd.h"

#include <cmath>

namespace nabla::optim {

void validate(const RMSpropOptions& o) {
    NABLA_CHECK(o.lr >= 0.0, "RMSprop", "invalid learning rate: {}", o.lr);
    NABLA_CHECK(o.alpha >= 0.0 && o.alpha <= 1.0, "RMSprop", "invalid alpha: {} (must be in [0, 1])",
                o.alpha);
    NABLA_CHECK(o.eps >= 0.0, "RMSprop", "invalid eps: {} (must be >= 0)", o.eps);
    NABLA_CHECK(o.weight_decay >= 0.0, "RMSprop", "invalid weight_decay: {}", o.weight_decay);
    NABLA_CHECK(o.momentum >= 0.0 && o.momentum < 1.0, "RMSprop", "invalid momentum: {} (must be in [0, 1))",
                o.momentum);
}

RMSprop::RMSprop(const std::vector<Tensor>& params, const RMSpropOptions& options)
    : RMSprop(std::vector<ParamGroup<RMSpropOptions>>{{params, options}}) {}

RMSprop::RMSprop(const std::vector<ParamGroup<RMSpropOptions>>& groups)
    : OptimizerWith<RMSpropOptions>("RMSprop", groups) {
    // Options other than lr never change after construction, so the state layout is fixed here.
    bool any_momentum = false, any_centered = false;
    for (const auto& g : groups) {
        any_momentum = any_momentum || g.options.momentum > 0.0;
        any_centered = any_centered || g.options.centered;
    }
    state_names_ = {"square_avg"};
    if (any_momentum) {
        momentum_slot_ = static_cast<int>(state_names_.size());
        state_names_.push_back("momentum_buffer");
    }
    if (any_centered) {
        grad_avg_slot_ = static_cast<int>(state_names_.size());
        state_names_.push_back("grad_avg");
    }
}

namespace {

struct RMSpropStep {
    float neg_lr, alpha, one_minus_alpha, eps, wd, mu;
    bool decay, centered, momentum;
};

// v: square average, a: gradient average (centered), b: momentum buffer.
NABLA_HOT_LOOP void rmsprop_step(float* p, const float* g, float* v, float* a, float* b, std::int64_t n,
                                 RMSpropStep s) {
    for (std::int64_t i = 0; i < n; ++i) {
        float d = g[i];
        if (s.decay) d = add_scaled(d, s.wd, p[i]);
        v[i] = v[i] * s.alpha + s.one_minus_alpha * d * d;
        float denom;
        if (s.centered) {
            a[i] = add_scaled(a[i] * s.alpha, s.one_minus_alpha, d);
            // v >= a * a in exact arithmetic; rounding can undershoot by an ulp once the
            // averages settle on a constant gradient, and a square root of that would be NaN.
            const float var = v[i] - a[i] * a[i];
            denom = std::sqrt(var < 0.0f ? 0.0f : var) + s.eps;
        } else {
            denom = std::sqrt(v[i]) + s.eps;
        }
        if (s.momentum) {
            b[i] = b[i] * s.mu + d / denom;
            p[i] = add_scaled(p[i], s.neg_lr, b[i]);
        } else {
            p[i] = p[i] + s.neg_lr * (d / denom);
        }
    }
}

}  // namespace

void RMSprop::update(std::size_t group, Tensor& param, const Tensor& grad, std::vector<Tensor>& state) {
    // float32 arithmetic in the order of PyTorch's _single_tensor_rmsprop, scalars
    // rounded to float once, so the trajectories agree to about an ulp.
    const RMSpropOptions& o = options(group);
    for (Tensor& s : state)
        if (!s.defined()) s = zeros(param.shape());
    float* p = param.data();
    const float* g = grad.data();
    float* v = state[0].data();
    float* a = grad_avg_slot_ >= 0 ? state[grad_avg_slot_].data() : nullptr;
    float* b = momentum_slot_ >= 0 ? state[momentum_slot_].data() : nullptr;
    const RMSpropStep step{.neg_lr = static_cast<float>(-o.lr),
                           .alpha = static_cast<float>(o.alpha),
                           .one_minus_alpha = static_cast<float>(1.0 - o.alpha),
                           .eps = static_cast<float>(o.eps),
                           .wd = static_cast<float>(o.weight_decay),
                           .mu = static_cast<float>(o.momentum),
                           .decay = o.weight_decay != 0.0,
                           .centered = o.centered,
                           .momentum = o.momentum > 0.0};
    // Elements are independent: large tensors are split over the threads.
    parallel_ranges(param.numel(), [&](std::int64_t lo, std::int64_t hi) {
        rmsprop_step(p + lo, g + lo, v + lo, a ? a + lo : nullptr, b ? b + lo : nullptr, hi - lo, step);
    });
}

}  // namespace nabla::optim
