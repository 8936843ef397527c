#include "optim/sgd.h"

#include "core/error.h"
#include "core/parallel.h"
#include "core/simd.h"

namespace nabla::optim {

void validate(const SGDOptions& o) {
    NABLA_CHECK(o.lr >= 0.0, "SGD", "invalid learning rate: {}", o.lr);
    NABLA_CHECK(o.momentum >= 0.0 && o.momentum < 1.0, "SGD", "invalid momentum: {} (must be in [0, 1))",
                o.momentum);
    NABLA_CHECK(o.dampening >= 0.0 && o.dampening <= 1.0, "SGD", "invalid dampening: {} (must be in [0, 1])",
                o.dampening);
    NABLA_CHECK(o.weight_decay >= 0.0, "SGD", "invalid weight_decay: {}", o.weight_decay);
    NABLA_CHECK(!o.nesterov || (o.momentum > 0.0 && o.dampening == 0.0), "SGD",
                "nesterov momentum requires momentum > 0 and dampening 0, got momentum {} and dampening {}",
                o.momentum, o.dampening);
}

SGD::SGD(const std::vector<Tensor>& params, const SGDOptions& options) : SGD("SGD", {{params, options}}) {}
SGD::SGD(const std::vector<ParamGroup<SGDOptions>>& groups) : SGD("SGD", groups) {}
SGD::SGD(std::string name, const std::vector<ParamGroup<SGDOptions>>& groups)
    : OptimizerWith<SGDOptions>(std::move(name), groups) {}

namespace {

struct SGDStep {
    float neg_lr, wd, mu, keep;
    bool decay, momentum, nesterov, first;
};

// The element loop, with the decisions hoisted out of it as flags.
NABLA_HOT_LOOP void sgd_step(float* p, const float* g, float* v, std::int64_t n, SGDStep s) {
    for (std::int64_t i = 0; i < n; ++i) {
        float d = g[i];
        if (s.decay) d = add_scaled(d, s.wd, p[i]);
        if (s.momentum) {
            // The first step copies d into the buffer: no dampening yet, as in PyTorch.
            v[i] = s.first ? d : add_scaled(v[i] * s.mu, s.keep, d);
            d = s.nesterov ? add_scaled(d, s.mu, v[i]) : v[i];
        }
        p[i] = add_scaled(p[i], s.neg_lr, d);
    }
}

}  // namespace

void SGD::update(std::size_t group, Tensor& param, const Tensor& grad, std::vector<Tensor>& state) {
    // float32 arithmetic in PyTorch's order of operations; scalars rounded to float
    // once, as PyTorch does when it passes a Python float to a float kernel.
    const SGDOptions& o = options(group);
    Tensor& buffer = state[0];
    const bool first = !buffer.defined();
    if (o.momentum != 0.0 && first) buffer = empty(param.shape());
    float* p = param.data();
    const float* g = grad.data();
    float* v = buffer.defined() ? buffer.data() : nullptr;
    const SGDStep step{.neg_lr = static_cast<float>(-o.lr),
                       .wd = static_cast<float>(o.weight_decay),
                       .mu = static_cast<float>(o.momentum),
                       .keep = static_cast<float>(1.0 - o.dampening),
                       .decay = o.weight_decay != 0.0,
                       .momentum = o.momentum != 0.0,
                       .nesterov = o.nesterov,
                       .first = first};
    // Elements are independent: large tensors are split over the threads.
    parallel_ranges(param.numel(), [&](std::int64_t lo, std::int64_t hi) {
        sgd_step(p + lo, g + lo, v ? v + lo : nullptr, hi - lo, step);
    });
}

Momentum::Momentum(const std::vector<Tensor>& params, const SGDOptions& options)
    : Momentum(std::vector<ParamGroup<SGDOptions>>{{params, options}}) {}
Momentum::Momentum(const std::vector<ParamGroup<SGDOptions>>& groups) : SGD("Momentum", groups) {
    // After the base's checks, so an invalid option is named before a missing momentum.
    for (std::size_t g = 0; g < num_groups(); ++g)
        NABLA_CHECK(options(g).momentum > 0.0, name(),
                    "group {} has momentum 0: give one (e.g. {{.momentum = 0.9}}) or use SGD", g);
}

}  // namespace nabla::optim
