#include "core/batch_norm.h"

#include "core/parallel.h"
#include "core/simd.h"
#include "core/vector_sum.h"

#include <algorithm>
#include <vector>

namespace nabla {

// Planes are split over OpenMP threads with a static schedule, in memory order; each
// channel's sums run in a fixed order (float within one plane, vectorised; double
// across planes), so results do not depend on the thread count.
//
// [N, C] inputs (S = 1, after a Linear) take row-wise paths instead: a plane is one value,
// so a per-channel loop would stride through memory and could not vectorise. The rows
// are walked in order with the channels as the vector lanes; every sum adds the same
// terms in the same order as the per-channel loop, so both paths give the same bits.
// These tensors are small (a batch of 64 x 256 features is 64 KiB): one thread.

namespace {

// y = x * scale + shift: the per-channel constants of the forward, folded once. The
// backward of a fused ReLU folds them again with this same code to find where the forward's
// output was positive.
struct ScaleShift {
    std::vector<float> scale, shift;
    ScaleShift(const float* mean, const float* invstd, const float* gamma, const float* beta, std::int64_t C)
        : scale(static_cast<std::size_t>(C)), shift(static_cast<std::size_t>(C)) {
        for (std::int64_t c = 0; c < C; ++c) {
            scale[c] = invstd[c] * (gamma ? gamma[c] : 1.0f);
            shift[c] = (beta ? beta[c] : 0.0f) - mean[c] * scale[c];
        }
    }
};

// The gradient reaching BN: dy, or ReLU's backward of it when a ReLU is fused after BN
// (a positive forward output passes dy; anything else, NaN included, gives 0: as
// relu_backward). x * scale + shift is the forward's expression, so the same bits.
template <bool Relu>
[[gnu::always_inline]] inline float grad_in(const float* dy, const float* x, float scale, float shift,
                                            std::int64_t i) {
    if constexpr (Relu)
        return x[i] * scale + shift > 0.0f ? dy[i] : 0.0f;
    else
        return dy[i];
}

template <bool Relu>
[[gnu::always_inline]] inline float out_value(float v) {
    if constexpr (Relu)
        return v > 0.0f ? v : 0.0f;
    else
        return v;
}

NABLA_HOT_LOOP void row_statistics(float* mean, float* var, const float* x, const BatchNormDims& d) {
    std::vector<double> s(static_cast<std::size_t>(d.C), 0.0), ss(static_cast<std::size_t>(d.C), 0.0);
    for (std::int64_t n = 0; n < d.N; ++n)
        for (std::int64_t c = 0; c < d.C; ++c) s[c] += x[n * d.C + c];
    for (std::int64_t c = 0; c < d.C; ++c) mean[c] = static_cast<float>(s[c] / double(d.N));
    for (std::int64_t n = 0; n < d.N; ++n)
        for (std::int64_t c = 0; c < d.C; ++c) {
            const float t = x[n * d.C + c] - mean[c];
            ss[c] += t * t;
        }
    for (std::int64_t c = 0; c < d.C; ++c) var[c] = static_cast<float>(ss[c] / double(d.N));
}

template <bool Relu>
[[gnu::always_inline]] inline void row_forward_body(float* y, const float* x, const float* scale,
                                                    const float* shift, const BatchNormDims& d) {
    for (std::int64_t n = 0; n < d.N; ++n)
        for (std::int64_t c = 0; c < d.C; ++c)
            y[n * d.C + c] = out_value<Relu>(x[n * d.C + c] * scale[c] + shift[c]);
}

NABLA_HOT_LOOP void row_forward(float* y, const float* x, const float* scale, const float* shift,
                                const BatchNormDims& d, bool relu) {
    if (relu)
        row_forward_body<true>(y, x, scale, shift, d);
    else
        row_forward_body<false>(y, x, scale, shift, d);
}

NABLA_HOT_LOOP void row_sums(double* sg, double* sgx, const float* dy, const float* x, const float* mean,
                             const BatchNormDims& d) {
    for (std::int64_t n = 0; n < d.N; ++n)
        for (std::int64_t c = 0; c < d.C; ++c) {
            const float g = dy[n * d.C + c];
            sg[c] += g;
            sgx[c] += g * (x[n * d.C + c] - mean[c]);
        }
}

NABLA_HOT_LOOP void row_dx(float* dx, const float* dy, const float* x, const float* k, const float* a,
                           const float* b, const BatchNormDims& d) {
    for (std::int64_t n = 0; n < d.N; ++n)
        for (std::int64_t c = 0; c < d.C; ++c) {
            const std::int64_t i = n * d.C + c;
            dx[i] = k[c] * dy[i] + a[c] * x[i] + b[c];
        }
}

// ReLU's backward into g (the [N, C] case: small, and the masked loads slowed the
// row-wise sums more than this extra pass costs).
NABLA_HOT_LOOP void relu_gradient(float* g, const float* dy, const float* x, const float* scale,
                                  const float* shift, const BatchNormDims& d) {
    for (std::int64_t n = 0; n < d.N; ++n)
        for (std::int64_t c = 0; c < d.C; ++c)
            g[n * d.C + c] = grad_in<true>(dy, x, scale[c], shift[c], n * d.C + c);
}

}  // namespace

NABLA_HOT_LOOP void batch_norm_statistics(float* mean, float* var, const float* x, const BatchNormDims& d) {
    if (d.S == 1) return row_statistics(mean, var, x, d);
    // Each plane's mean mu_p (float), its residual r_p = sum(x - mu_p) and m2_p =
    // sum((x - mu_p)^2), from one read of the plane (the second pass hits L1), in memory
    // order; then per channel, in double:
    //   mean = sum_p (S mu_p + r_p) / m
    //   m    var = sum_p m2_p + 2 (mu_p - mean) r_p + S (mu_p - mean)^2   (exact)
    // Deviations from a nearby mean: no catastrophic cancellation for a large mean.
    const std::int64_t planes = d.N * d.C;
    std::vector<float> mu(static_cast<std::size_t>(planes)), r(mu.size()), m2(mu.size());
#pragma omp parallel for schedule(static) if (planes * d.S >= kParallelMinElements)
    for (std::int64_t p = 0; p < planes; ++p) {
        const float* xp = x + p * d.S;
        const float mp = sum_floats(xp, d.S) / static_cast<float>(d.S);
        float rp = 0.0f, sp = 0.0f;
#pragma omp simd reduction(+ : rp, sp)
        for (std::int64_t i = 0; i < d.S; ++i) {
            const float t = xp[i] - mp;
            rp += t;
            sp += t * t;
        }
        mu[p] = mp;
        r[p] = rp;
        m2[p] = sp;
    }
    const double m = double(d.m()), S = double(d.S);
    for (std::int64_t c = 0; c < d.C; ++c) {
        double s = 0.0;
        for (std::int64_t n = 0; n < d.N; ++n) s += S * mu[n * d.C + c] + r[n * d.C + c];
        const double mc = s / m;
        double ss = 0.0;
        for (std::int64_t n = 0; n < d.N; ++n) {
            const std::int64_t p = n * d.C + c;
            const double dev = double(mu[p]) - mc;
            ss += m2[p] + 2.0 * dev * r[p] + S * dev * dev;
        }
        mean[c] = static_cast<float>(mc);
        var[c] = static_cast<float>(std::max(ss, 0.0) / m);
    }
}

namespace {

template <bool Relu>
[[gnu::always_inline]] inline void plane_forward(float* yp, const float* xp, float scale, float shift,
                                                 std::int64_t S) {
    for (std::int64_t i = 0; i < S; ++i) yp[i] = out_value<Relu>(xp[i] * scale + shift);
}

}  // namespace

NABLA_HOT_LOOP void batch_norm_forward(float* y, const float* x, const float* mean, const float* invstd,
                                       const float* gamma, const float* beta, const BatchNormDims& d,
                                       bool relu) {
    const ScaleShift f(mean, invstd, gamma, beta, d.C);
    const float* scale = f.scale.data();
    const float* shift = f.shift.data();
    if (d.S == 1) return row_forward(y, x, scale, shift, d, relu);
#pragma omp parallel for collapse(2) schedule(static) if (d.N * d.C * d.S >= kParallelMinElements)
    for (std::int64_t n = 0; n < d.N; ++n)
        for (std::int64_t c = 0; c < d.C; ++c) {
            const float* xp = x + (n * d.C + c) * d.S;
            float* yp = y + (n * d.C + c) * d.S;
            if (relu)
                plane_forward<true>(yp, xp, scale[c], shift[c], d.S);
            else
                plane_forward<false>(yp, xp, scale[c], shift[c], d.S);
        }
}

namespace {

// dx = k (g - mean_g - x_hat mean_gx), folded to dx = k g + a x + b per channel, from the
// per-channel sums sg = sum(g) and sgx = sum(g * (x - mean)); dbeta and dgamma (each may be
// null) are written on the way. Both backward paths end here.
struct BackwardFold {
    std::vector<float> k, a, b;
    BackwardFold(const std::vector<double>& sg, const std::vector<double>& sgx, const float* mean,
                 const float* invstd, const float* gamma, const BatchNormDims& d, bool use_batch_stats,
                 float* dgamma, float* dbeta)
        : k(sg.size()), a(sg.size()), b(sg.size()) {
        const double m = double(d.m());
        for (std::int64_t c = 0; c < d.C; ++c) {
            const double sgx_hat = sgx[c] * invstd[c];
            if (dbeta) dbeta[c] = static_cast<float>(sg[c]);
            if (dgamma) dgamma[c] = static_cast<float>(sgx_hat);
            k[c] = (gamma ? gamma[c] : 1.0f) * invstd[c];
            const float mean_g = use_batch_stats ? static_cast<float>(sg[c] / m) : 0.0f;
            const float mean_gx = use_batch_stats ? static_cast<float>(sgx_hat / m) : 0.0f;
            a[c] = -k[c] * mean_gx * invstd[c];
            b[c] = -k[c] * mean_g - a[c] * mean[c];
        }
    }
};

// The row-wise backward for S = 1: the per-channel formulas of batch_norm_backward.
void batch_norm_backward_rows(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                              const float* mean, const float* invstd, const float* gamma,
                              const BatchNormDims& d, bool use_batch_stats, const ScaleShift* relu) {
    const auto C = static_cast<std::size_t>(d.C);
    std::vector<float> masked(relu ? static_cast<std::size_t>(d.N) * C : 0);
    if (relu) {
        relu_gradient(masked.data(), dy, x, relu->scale.data(), relu->shift.data(), d);
        dy = masked.data();
    }
    std::vector<double> sg(C, 0.0), sgx(C, 0.0);
    row_sums(sg.data(), sgx.data(), dy, x, mean, d);
    const BackwardFold f(sg, sgx, mean, invstd, gamma, d, use_batch_stats, dgamma, dbeta);
    if (dx) row_dx(dx, dy, x, f.k.data(), f.a.data(), f.b.data(), d);
}

}  // namespace

namespace {

// One plane's share of pass 1: adds sum(g) and sum(g * (x - mean)) to pg and pgx.
// scale and shift are the forward's constants for a fused ReLU (unused otherwise).
template <bool Relu>
[[gnu::always_inline]] inline void plane_sums(float& pg, float& pgx, const float* dy, const float* xp,
                                              float mc, float scale, float shift, std::int64_t S) {
    float sg = 0.0f, sgx = 0.0f;
#pragma omp simd reduction(+ : sg, sgx)
    for (std::int64_t i = 0; i < S; ++i) {
        const float g = grad_in<Relu>(dy, xp, scale, shift, i);
        sg += g;
        sgx += g * (xp[i] - mc);
    }
    pg = sg;
    pgx = sgx;
}

template <bool Relu>
[[gnu::always_inline]] inline void plane_dx(float* o, const float* dy, const float* xp, float k, float a,
                                            float b, float scale, float shift, std::int64_t S) {
    for (std::int64_t i = 0; i < S; ++i) o[i] = k * grad_in<Relu>(dy, xp, scale, shift, i) + a * xp[i] + b;
}

}  // namespace

NABLA_HOT_LOOP void batch_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy,
                                        const float* x, const float* mean, const float* invstd,
                                        const float* gamma, const BatchNormDims& d, bool use_batch_stats,
                                        bool relu, const float* beta) {
    const ScaleShift f(mean, invstd, gamma, beta, d.C);  // read only with relu
    if (d.S == 1)
        return batch_norm_backward_rows(dx, dgamma, dbeta, dy, x, mean, invstd, gamma, d, use_batch_stats,
                                        relu ? &f : nullptr);
    // Both passes walk the planes in memory order (a channel's planes are strided apart, and
    // short: 784 bytes in the MNIST CNN's second layer, too short for the prefetcher).
    // Pass 1 keeps each plane's float sums; they are added per channel in n order, in
    // double, as a per-channel loop would, so the bits do not depend on the thread count.
    const std::int64_t planes = d.N * d.C;
    const bool parallel = planes * d.S >= kParallelMinElements;
    std::vector<float> pg(static_cast<std::size_t>(planes)), pgx(pg.size());
#pragma omp parallel for schedule(static) if (parallel)
    for (std::int64_t p = 0; p < planes; ++p) {
        const std::int64_t c = p % d.C, at = p * d.S;
        if (relu)
            plane_sums<true>(pg[p], pgx[p], dy + at, x + at, mean[c], f.scale[c], f.shift[c], d.S);
        else
            plane_sums<false>(pg[p], pgx[p], dy + at, x + at, mean[c], 0.0f, 0.0f, d.S);
    }
    std::vector<double> sg(static_cast<std::size_t>(d.C), 0.0), sgx(sg.size(), 0.0);
    for (std::int64_t n = 0; n < d.N; ++n)
        for (std::int64_t c = 0; c < d.C; ++c) {
            sg[c] += pg[n * d.C + c];
            sgx[c] += pgx[n * d.C + c];
        }
    const BackwardFold fold(sg, sgx, mean, invstd, gamma, d, use_batch_stats, dgamma, dbeta);
    if (!dx) return;
        // Pass 2.
#pragma omp parallel for schedule(static) if (parallel)
    for (std::int64_t p = 0; p < planes; ++p) {
        const std::int64_t c = p % d.C, at = p * d.S;
        if (relu)
            plane_dx<true>(dx + at, dy + at, x + at, fold.k[c], fold.a[c], fold.b[c], f.scale[c], f.shift[c],
                           d.S);
        else
            plane_dx<false>(dx + at, dy + at, x + at, fold.k[c], fold.a[c], fold.b[c], 0.0f, 0.0f, d.S);
    }
}

}  // namespace nabla
