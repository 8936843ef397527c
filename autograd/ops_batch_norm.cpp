// batch_norm: one fused tape entry with the closed-form backward (core/batch_norm.h).
#include "autograd/anomaly.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "autograd/trace.h"
#include "core/batch_norm.h"
#include "core/error.h"

#include <cmath>

namespace nabla {

namespace {
void check_param(const Tensor& t, std::int64_t C, const char* what, const Shape& x) {
    if (t.defined())
        NABLA_CHECK(t.shape() == Shape{C}, "batch_norm", "{} must be [{}] for input {}, got {}", what, C, x,
                    t.shape());
}
// Anomaly mode: a batch whose statistics are not finite must not reach the running
// statistics, where the NaN would stay for every later evaluation.
void check_finite_statistics(const Tensor& mean, const Tensor& var, const Shape& x) {
    for (std::int64_t c = 0; c < mean.numel(); ++c)
        NABLA_CHECK(
            std::isfinite(mean.data()[c]) && std::isfinite(var.data()[c]), "batch_norm",
            "anomaly mode: the batch statistics of channel {} are not finite (mean {}, variance {}) for "
            "input {}; the running statistics were left unchanged",
            c, mean.data()[c], var.data()[c], x);
}

}  // namespace

void check_batch_norm_args(const BatchNormArgs& args, std::string_view where) {
    NABLA_CHECK(args.eps > 0.0f, where, "eps must be positive, got {}", args.eps);
    NABLA_CHECK(args.momentum >= 0.0f && args.momentum <= 1.0f, where,
                "momentum (the weight of the new batch) must be in [0, 1], got {}", args.momentum);
}

namespace {

// batch_norm, followed by a ReLU in the same passes when relu is set.
Tensor normalise(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                 const Tensor& running_var, const BatchNormArgs& args, bool relu) {
    NABLA_CHECK(x.defined() && x.dim() >= 2, "batch_norm", "input must be [N, C, ...], got {}", describe(x));
    const std::int64_t N = x.size(0), C = x.size(1);
    const BatchNormDims d{N, C, C == 0 ? 0 : x.numel() / std::max<std::int64_t>(N * C, 1)};
    check_param(gamma, C, "gamma", x.shape());
    check_param(beta, C, "beta", x.shape());
    check_param(running_mean, C, "running_mean", x.shape());
    check_param(running_var, C, "running_var", x.shape());
    check_batch_norm_args(args, "batch_norm");
    NABLA_CHECK(running_mean.defined() == running_var.defined(), "batch_norm",
                "running_mean and running_var must be given together");
    NABLA_CHECK(args.use_batch_stats || running_mean.defined(), "batch_norm",
                "use_batch_stats is off, but no running_mean and running_var were given to normalise with");

    Tensor mean = empty({C}), invstd = empty({C});
    if (args.use_batch_stats) {
        NABLA_CHECK(d.m() > 1, "batch_norm",
                    "expected more than 1 value per channel when training, got input {}: the variance of one "
                    "value is 0. Call model.eval() to normalise with the running statistics, or use a larger "
                    "batch",
                    x.shape());
        Tensor var = empty({C});
        batch_norm_statistics(mean.data(), var.data(), x.data(), d);
        for (std::int64_t c = 0; c < C; ++c) invstd.data()[c] = 1.0f / std::sqrt(var.data()[c] + args.eps);
        if (args.update_running_stats && running_mean.defined()) {
            if (is_anomaly_enabled()) [[unlikely]]
                check_finite_statistics(mean, var, x.shape());
            // running = (1 - momentum) running + momentum batch_stat, with the unbiased variance.
            const float m = args.momentum, unbias = float(d.m()) / float(d.m() - 1);
            Tensor rm = running_mean, rv = running_var;  // buffers: updated in place, never recorded
            for (std::int64_t c = 0; c < C; ++c) {
                rm.data()[c] = (1.0f - m) * rm.data()[c] + m * mean.data()[c];
                rv.data()[c] = (1.0f - m) * rv.data()[c] + m * var.data()[c] * unbias;
            }
            rm.bump_version();
            rv.bump_version();
        }
    } else {
        std::copy_n(running_mean.data(), C, mean.data());
        for (std::int64_t c = 0; c < C; ++c)
            invstd.data()[c] = 1.0f / std::sqrt(running_var.data()[c] + args.eps);
    }

    Tensor y = empty(x.shape());
    batch_norm_forward(y.data(), x.data(), mean.data(), invstd.data(),
                       gamma.defined() ? gamma.data() : nullptr, beta.defined() ? beta.data() : nullptr, d,
                       relu);
    if (needs_grad({&x, &gamma, &beta}))
        record(relu ? "batch_norm_relu" : "batch_norm", {&x, &gamma, &beta}, y,
               [sx = SavedTensor(x), sg = SavedTensor(gamma), sb = relu ? SavedTensor(beta) : SavedTensor(),
                mean, invstd, d, use_batch_stats = args.use_batch_stats,
                relu](const Tensor& g, const GradMask& wants) {
                   Tensor dx = wants[0] ? empty(sx.get().shape()) : Tensor();
                   Tensor dgamma = wants[1] ? empty({d.C}) : Tensor();
                   Tensor dbeta = wants[2] ? empty({d.C}) : Tensor();
                   batch_norm_backward(wants[0] ? dx.data() : nullptr, wants[1] ? dgamma.data() : nullptr,
                                       wants[2] ? dbeta.data() : nullptr, g.data(), sx.get().data(),
                                       mean.data(), invstd.data(), sg.defined() ? sg.get().data() : nullptr,
                                       d, use_batch_stats, relu, sb.defined() ? sb.get().data() : nullptr);
                   return std::vector<Tensor>{dx, dgamma, dbeta};
               });
    if (is_tracing()) [[unlikely]]
        trace_op("batch_norm", {&x, &gamma, &beta, &running_mean, &running_var}, y,
                 {{"use_batch_stats", {args.use_batch_stats ? 1.0 : 0.0}}, {"eps", {double(args.eps)}}});
    return y;
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, const BatchNormArgs& args) {
    return normalise(x, gamma, beta, running_mean, running_var, args, false);
}

Tensor batch_norm_relu(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                       const Tensor& running_var, const BatchNormArgs& args) {
    // A trace (ONNX export) gets the two ops it knows.
    if (is_tracing()) [[unlikely]]
        return relu(normalise(x, gamma, beta, running_mean, running_var, args, false));
    return normalise(x, gamma, beta, running_mean, running_var, args, true);
}

}  // namespace nabla
