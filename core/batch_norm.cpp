#include "core/batch_norm.h"

#include "core/parallel.h"
#include "core/simd.h"

#include <vector>

namespace nabla {

// Channels (or planes) are split over OpenMP threads with a static schedule; each
// channel's sums run in a fixed order (float within one plane, vectorised; double
// across planes), so results do not depend on the thread count.
//
// [N, C] inputs (S = 1, after a Linear) take row-wise paths instead: a plane is one value,
// so a per-channel loop would stride through memory and could not vectorise. The rows
// are walked in order with the channels as the vector lanes; every sum adds the same
// terms in the same order as the per-channel loop, so both paths give the same bits.
// These tensors are small (a batch of 64 x 256 features is 64 KiB): one thread.

namespace {

// The gradient reaching BN: dy, or ReLU's backward of it when a ReLU is fused after BN
// (relu_out > 0 passes dy, anything else, NaN included, gives 0: as relu_backward).
template <bool Relu>
[[gnu::always_inline]] inline float grad_in(const float* dy, const float* relu_out, std::int64_t i) {
    if constexpr (Relu)
        return relu_out[i] > 0.0f ? dy[i] : 0.0f;
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
NABLA_HOT_LOOP void relu_gradient(float* g, const float* dy, const float* relu_out, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) g[i] = grad_in<true>(dy, relu_out, i);
}

float plane_sum(const float* p, std::int64_t S) {
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (std::int64_t i = 0; i < S; ++i) s += p[i];
    return s;
}

}  // namespace

NABLA_HOT_LOOP void batch_norm_statistics(float* mean, float* var, const float* x, const BatchNormDims& d) {
    if (d.S == 1) return row_statistics(mean, var, x, d);
    const double m = double(d.m());
#pragma omp parallel for schedule(static) if (d.N * d.C * d.S >= kParallelMinElements)
    for (std::int64_t c = 0; c < d.C; ++c) {
        double s = 0.0;
        for (std::int64_t n = 0; n < d.N; ++n) s += plane_sum(x + (n * d.C + c) * d.S, d.S);
        const double mu = s / m;
        const float muf = static_cast<float>(mu);
        double ss = 0.0;  // second pass around the mean: no catastrophic cancellation
        for (std::int64_t n = 0; n < d.N; ++n) {
            const float* p = x + (n * d.C + c) * d.S;
            float part = 0.0f;
#pragma omp simd reduction(+ : part)
            for (std::int64_t i = 0; i < d.S; ++i) {
                const float t = p[i] - muf;
                part += t * t;
            }
            ss += part;
        }
        mean[c] = muf;
        var[c] = static_cast<float>(ss / m);
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
    // y = x * scale + shift, with the per-channel constants folded once.
    std::vector<float> scale(static_cast<std::size_t>(d.C)), shift(static_cast<std::size_t>(d.C));
    for (std::int64_t c = 0; c < d.C; ++c) {
        scale[c] = invstd[c] * (gamma ? gamma[c] : 1.0f);
        shift[c] = (beta ? beta[c] : 0.0f) - mean[c] * scale[c];
    }
    if (d.S == 1) return row_forward(y, x, scale.data(), shift.data(), d, relu);
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

// The row-wise backward for S = 1: the per-channel formulas of batch_norm_backward.
void batch_norm_backward_rows(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                              const float* mean, const float* invstd, const float* gamma,
                              const BatchNormDims& d, bool use_batch_stats, const float* relu_out) {
    const auto C = static_cast<std::size_t>(d.C);
    std::vector<float> masked(relu_out ? static_cast<std::size_t>(d.N) * C : 0);
    if (relu_out) {
        relu_gradient(masked.data(), dy, relu_out, d.N * d.C);
        dy = masked.data();
    }
    std::vector<double> sg(C, 0.0), sgx(C, 0.0);
    row_sums(sg.data(), sgx.data(), dy, x, mean, d);
    std::vector<float> k(C), a(C), b(C);
    for (std::int64_t c = 0; c < d.C; ++c) {
        sgx[c] *= invstd[c];
        if (dbeta) dbeta[c] = static_cast<float>(sg[c]);
        if (dgamma) dgamma[c] = static_cast<float>(sgx[c]);
        k[c] = (gamma ? gamma[c] : 1.0f) * invstd[c];
        const float mean_g = use_batch_stats ? static_cast<float>(sg[c] / double(d.N)) : 0.0f;
        const float mean_gx = use_batch_stats ? static_cast<float>(sgx[c] / double(d.N)) : 0.0f;
        a[c] = -k[c] * mean_gx * invstd[c];
        b[c] = -k[c] * mean_g - a[c] * mean[c];
    }
    if (dx) row_dx(dx, dy, x, k.data(), a.data(), b.data(), d);
}

}  // namespace

namespace {

// One plane's share of pass 1: adds sum(g) and sum(g * (x - mean)) to pg and pgx.
template <bool Relu>
[[gnu::always_inline]] inline void plane_sums(float& pg, float& pgx, const float* dy, const float* r,
                                              const float* xp, float mc, std::int64_t S) {
    float sg = 0.0f, sgx = 0.0f;
#pragma omp simd reduction(+ : sg, sgx)
    for (std::int64_t i = 0; i < S; ++i) {
        const float g = grad_in<Relu>(dy, r, i);
        sg += g;
        sgx += g * (xp[i] - mc);
    }
    pg = sg;
    pgx = sgx;
}

template <bool Relu>
[[gnu::always_inline]] inline void plane_dx(float* o, const float* dy, const float* r, const float* xp,
                                            float k, float a, float b, std::int64_t S) {
    for (std::int64_t i = 0; i < S; ++i) o[i] = k * grad_in<Relu>(dy, r, i) + a * xp[i] + b;
}

}  // namespace

NABLA_HOT_LOOP void batch_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy,
                                        const float* x, const float* mean, const float* invstd,
                                        const float* gamma, const BatchNormDims& d, bool use_batch_stats,
                                        const float* relu_out) {
    if (d.S == 1)
        return batch_norm_backward_rows(dx, dgamma, dbeta, dy, x, mean, invstd, gamma, d, use_batch_stats,
                                        relu_out);
    const double m = double(d.m());
#pragma omp parallel for schedule(static) if (d.N * d.C * d.S >= kParallelMinElements)
    for (std::int64_t c = 0; c < d.C; ++c) {
        // Pass 1: sum(g) and sum(g * x_hat).
        const float mc = mean[c];
        double sg = 0.0, sgx = 0.0;
        for (std::int64_t n = 0; n < d.N; ++n) {
            const std::int64_t at = (n * d.C + c) * d.S;
            float pg, pgx;
            if (relu_out)
                plane_sums<true>(pg, pgx, dy + at, relu_out + at, x + at, mc, d.S);
            else
                plane_sums<false>(pg, pgx, dy + at, nullptr, x + at, mc, d.S);
            sg += pg;
            sgx += pgx;
        }
        sgx *= invstd[c];
        if (dbeta) dbeta[c] = static_cast<float>(sg);
        if (dgamma) dgamma[c] = static_cast<float>(sgx);
        if (!dx) continue;
        // Pass 2: dx = k (g - mean_g - x_hat mean_gx), folded to dx = k g + a x + b.
        const float k = (gamma ? gamma[c] : 1.0f) * invstd[c];
        const float mean_g = use_batch_stats ? static_cast<float>(sg / m) : 0.0f;
        const float mean_gx = use_batch_stats ? static_cast<float>(sgx / m) : 0.0f;
        const float a = -k * mean_gx * invstd[c];
        const float b = -k * mean_g - a * mc;
        for (std::int64_t n = 0; n < d.N; ++n) {
            const std::int64_t at = (n * d.C + c) * d.S;
            if (relu_out)
                plane_dx<true>(dx + at, dy + at, relu_out + at, x + at, k, a, b, d.S);
            else
                plane_dx<false>(dx + at, dy + at, nullptr, x + at, k, a, b, d.S);
        }
    }
}

}  // namespace nabla
