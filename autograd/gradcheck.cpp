#include "autograd/gradcheck.h"

#include "autograd/grad_mode.h"
#include "core/error.h"
#include "core/random.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace nabla {

namespace {

double weighted_sum(const Tensor& out, const Tensor& G) {
    double s = 0.0;
    for (std::int64_t i = 0; i < out.numel(); ++i) s += double(out.data()[i]) * G.data()[i];
    return s;
}

std::vector<std::int64_t> sample(std::int64_t n, std::int64_t k, Generator& g) {
    std::vector<std::int64_t> idx(static_cast<size_t>(n));
    std::iota(idx.begin(), idx.end(), 0);
    if (n <= k) return idx;
    std::shuffle(idx.begin(), idx.end(), g);
    idx.resize(size_t(k));
    std::sort(idx.begin(), idx.end());
    return idx;
}

// NaN-poisons empty() for its scope.
struct PoisonGuard {
    bool prev = set_poison_uninitialized(true);
    ~PoisonGuard() { set_poison_uninitialized(prev); }
};

}  // namespace

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& opt) {
    PoisonGuard poison;
    GradcheckResult r;
    Generator gen(opt.seed);
    auto fail = [&](const std::string& line) {
        r.ok = false;
        r.report += line + "\n";
    };

    for (const Tensor& x : inputs) NABLA_CHECK(x.defined(), "gradcheck", "undefined input");
    for (Tensor x : inputs) x.set_grad(Tensor());
    Tensor out = f(inputs);
    NABLA_CHECK(out.requires_grad(), "gradcheck", "the function's output does not require grad");
    Tensor G = empty(out.shape());
    for (std::int64_t i = 0; i < G.numel(); ++i) G.data()[i] = uniform_float(gen, -1.0f, 1.0f);

    out.backward(G, /*retain_graph=*/true);
    std::vector<Tensor> analytic;
    for (const Tensor& x : inputs)
        analytic.push_back(x.requires_grad() && x.grad().defined() ? x.grad().clone() : Tensor());
    out.backward(G);
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (!analytic[i].defined()) continue;
        const Tensor twice = inputs[i].grad();
        const Tensor& once = analytic[i];
        // Exact when the input is used once; an input used k times accumulates k terms per
        // backward, and float addition is not associative, so allow a few ulps of the
        // tensor's largest gradient.
        float scale = 0.0f;
        for (std::int64_t j = 0; j < once.numel(); ++j) scale = std::max(scale, std::fabs(once.data()[j]));
        for (std::int64_t j = 0; j < twice.numel(); ++j) {
            const float want = 2.0f * once.data()[j];
            if (!(std::fabs(twice.data()[j] - want) <= 1e-6f * (std::fabs(want) + scale))) {
                fail(fmt::format("input {} {}: a second backward gave {} at element {}, expected 2 x {}", i,
                                 inputs[i].shape(), twice.data()[j], j, once.data()[j]));
                break;
            }
        }
    }

    NoGradGuard no_grad;
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (!inputs[i].requires_grad()) continue;
        Tensor x = inputs[i];
        int shown = 0;
        for (std::int64_t j : sample(x.numel(), opt.max_samples, gen)) {
            const float v = x.data()[j];
            x.data()[j] = static_cast<float>(v + opt.step);
            const double up = weighted_sum(f(inputs), G);
            x.data()[j] = static_cast<float>(v - opt.step);
            const double down = weighted_sum(f(inputs), G);
            x.data()[j] = v;
            // The step actually taken, after rounding to float.
            const double h =
                (double(static_cast<float>(v + opt.step)) - double(static_cast<float>(v - opt.step)));
            const double numeric = (up - down) / h;
            const double a = analytic[i].defined() ? analytic[i].data()[j] : 0.0;
            const double err = std::fabs(a - numeric);
            r.max_abs_error = std::max(r.max_abs_error, std::isnan(err) ? INFINITY : err);
            if (!(err <= opt.atol + opt.rtol * std::fabs(numeric)) && shown++ < 5)
                fail(
                    fmt::format("input {} {} element {}: analytic {:.6g}, numeric {:.6g} (difference {:.3g})",
                                i, x.shape(), j, a, numeric, err));
        }
    }
    if (!r.ok) r.report = "gradcheck failed:\n" + r.report;
    return r;
}

}  // namespace nabla
