#include "dist/sync_batchnorm.h"

#include "autograd/tape.h"
#include "core/batch_norm.h"
#include "core/error.h"
#include "dist/mpi_detail.h"
#include "dist/world.h"

#include <cmath>
#include <vector>

namespace nabla::dist {

namespace {

constexpr const char* kOp = "sync_batch_norm";

// x viewed as [N, C, S] (core/batch_norm.h). Sums in double, as batch_norm_statistics does,
// so the global statistics lose nothing to the split over ranks beyond reassociation.
// out = [count, sum_0 .. sum_{C-1}, sumsq_0 .. sumsq_{C-1}]
std::vector<double> local_moments(const float* x, const BatchNormDims& d) {
    std::vector<double> out(size_t(1 + 2 * d.C), 0.0);
    out[0] = double(d.m());
    for (std::int64_t n = 0; n < d.N; ++n)
        for (std::int64_t c = 0; c < d.C; ++c) {
            const float* p = x + (n * d.C + c) * d.S;
            double s = 0.0, ss = 0.0;
            for (std::int64_t i = 0; i < d.S; ++i) {
                s += p[i];
                ss += double(p[i]) * double(p[i]);
            }
            out[size_t(1 + c)] += s;
            out[size_t(1 + d.C + c)] += ss;
        }
    return out;
}

// Backward, with g = dy, x_hat = (x - mean) * invstd and M the global count:
//   dbeta  = sum_local(g),  dgamma = sum_local(g * x_hat)          (local: DataParallel averages)
//   dx     = gamma * invstd * (g - sum_global(g) / M - x_hat * sum_global(g * x_hat) / M)
// The same formula as core/batch_norm.h with the means over the global batch.
std::vector<Tensor> backward(const Tensor& g, const GradMask& wants, const Tensor& x, const Tensor& gamma,
                             const std::vector<float>& mean, const std::vector<float>& invstd,
                             const BatchNormDims& d, double M) {
    const std::int64_t C = d.C;
    std::vector<double> sums(size_t(2 * C), 0.0);  // [sum(g) per channel, sum(g * x_hat) per channel]
    for (std::int64_t n = 0; n < d.N; ++n)
        for (std::int64_t c = 0; c < C; ++c) {
            const std::int64_t o = (n * C + c) * d.S;
            double sg = 0.0, sgx = 0.0;
            for (std::int64_t i = 0; i < d.S; ++i) {
                const double gi = g.data()[o + i];
                sg += gi;
                sgx += gi * (double(x.data()[o + i]) - mean[size_t(c)]) * invstd[size_t(c)];
            }
            sums[size_t(c)] += sg;
            sums[size_t(C + c)] += sgx;
        }
    Tensor dgamma = wants[1] ? empty({C}) : Tensor(), dbeta = wants[2] ? empty({C}) : Tensor();
    for (std::int64_t c = 0; c < C; ++c) {
        if (dbeta.defined()) dbeta.data()[c] = float(sums[size_t(c)]);
        if (dgamma.defined()) dgamma.data()[c] = float(sums[size_t(C + c)]);
    }
    // Every rank joins, whatever it wants: the others wait for its sums.
    detail::all_reduce_sum(sums.data(), 2 * C, "backward of sync_batch_norm");
    Tensor dx;
    if (wants[0]) {
        dx = empty(x.shape());
        for (std::int64_t n = 0; n < d.N; ++n)
            for (std::int64_t c = 0; c < C; ++c) {
                const std::int64_t o = (n * C + c) * d.S;
                const double k = double(gamma.defined() ? gamma.data()[c] : 1.0f) * invstd[size_t(c)];
                const double mg = sums[size_t(c)] / M, mgx = sums[size_t(C + c)] / M;
                for (std::int64_t i = 0; i < d.S; ++i) {
                    const double xh = (double(x.data()[o + i]) - mean[size_t(c)]) * invstd[size_t(c)];
                    dx.data()[o + i] = float(k * (g.data()[o + i] - mg - xh * mgx));
                }
            }
    }
    return {dx, dgamma, dbeta};
}

}  // namespace

Tensor sync_batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                       const Tensor& running_var, const BatchNormArgs& args) {
    // One process, or statistics that are not the batch's: nothing to synchronise.
    if (world_size() == 1 || !args.use_batch_stats)
        return batch_norm(x, gamma, beta, running_mean, running_var, args);
    NABLA_CHECK(x.defined() && x.dim() >= 2, kOp, "input must be [N, C, ...], got {}", describe(x));
    const std::int64_t N = x.size(0), C = x.size(1);
    std::int64_t S = 1;
    for (std::int64_t k = 2; k < x.dim(); ++k) S *= x.size(k);
    const BatchNormDims d{N, C, S};
    for (const Tensor* t : {&gamma, &beta, &running_mean, &running_var})
        NABLA_CHECK(!t->defined() || t->shape() == Shape{C}, kOp,
                    "gamma, beta and the running statistics must be [{}] for input {}, got {}", C, x.shape(),
                    t->shape());
    check_batch_norm_args(args, kOp);
    // The channel count and the layout beyond N must agree: the sums are added per channel.
    std::vector<std::int64_t> per_sample(x.shape().dims().begin() + 1, x.shape().dims().end());
    detail::check_same_shape(Shape(per_sample), "sync_batch_norm (the input without its batch dimension)");

    std::vector<double> moments = local_moments(x.data(), d);
    detail::all_reduce_sum(moments.data(), std::int64_t(moments.size()), kOp);
    const double M = moments[0];
    NABLA_CHECK(M > 1, kOp,
                "expected more than 1 value per channel over all ranks when training, got {} (input {} on "
                "rank {}): call model.eval(), or use a larger batch",
                M, x.shape(), rank());
    std::vector<float> mean(static_cast<size_t>(C)), invstd(static_cast<size_t>(C));
    std::vector<double> var(static_cast<size_t>(C));
    for (std::int64_t c = 0; c < C; ++c) {
        const double mu = moments[size_t(1 + c)] / M;
        var[size_t(c)] = std::max(0.0, moments[size_t(1 + C + c)] / M - mu * mu);
        mean[size_t(c)] = float(mu);
        invstd[size_t(c)] = 1.0f / std::sqrt(float(var[size_t(c)]) + args.eps);
    }
    if (args.update_running_stats && running_mean.defined()) {
        const double m = args.momentum;
        Tensor rm = running_mean, rv = running_var;  // buffers: in place, never recorded
        for (std::int64_t c = 0; c < C; ++c) {
            rm.data()[c] = float((1.0 - m) * rm.data()[c] + m * mean[size_t(c)]);
            rv.data()[c] = float((1.0 - m) * rv.data()[c] + m * var[size_t(c)] * M / (M - 1.0));
        }
        rm.bump_version();
        rv.bump_version();
    }
    Tensor y = empty(x.shape());
    batch_norm_forward(y.data(), x.data(), mean.data(), invstd.data(),
                       gamma.defined() ? gamma.data() : nullptr, beta.defined() ? beta.data() : nullptr, d);
    if (needs_grad({&x, &gamma, &beta}))
        record(kOp, {&x, &gamma, &beta}, y,
               [sx = SavedTensor(x), sg = SavedTensor(gamma), mean, invstd, d, M](const Tensor& g,
                                                                                  const GradMask& wants) {
                   return backward(g, wants, sx.get(), sg.defined() ? sg.get() : Tensor(), mean, invstd, d,
                                   M);
               });
    return y;
}

SyncBatchNorm::SyncBatchNorm(const nn::BatchNormOptions& options)
    : BatchNorm("SyncBatchNorm", {2, 3, 4}, options) {
    set_batch_norm_fn(sync_batch_norm, "SyncBatchNorm");
}

int convert_sync_batchnorm(nn::Module& model) {
    int converted = 0;
    auto convert = [&](nn::Module& m) {
        if (auto* bn = dynamic_cast<nn::BatchNorm*>(&m)) {
            bn->set_batch_norm_fn(sync_batch_norm, "SyncBatchNorm");
            ++converted;
        }
    };
    convert(model);
    for (auto& [name, child] : model.named_modules()) convert(*child);
    return converted;
}

}  // namespace nabla::dist
