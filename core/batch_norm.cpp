#include "core/batch_norm.h"

namespace nabla {

// Channels (or planes) are split over OpenMP threads with a static schedule; each
// channel's sums run in a fixed order (float within one plane, vectorised; double
// across planes), so results do not depend on the thread count.

namespace {

float plane_sum(const float* p, std::int64_t S) {
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (std::int64_t i = 0; i < S; ++i) s += p[i];
    return s;
}

}  // namespace

void batch_norm_statistics(float* mean, float* var, const float* x, const BatchNormDims& d) {
    const double m = double(d.m());
#pragma omp parallel for schedule(static)
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

void batch_norm_forward(float* y, const float* x, const float* mean, const float* invstd, const float* gamma,
                        const float* beta, const BatchNormDims& d) {
#pragma omp parallel for schedule(static) if (d.N * d.C * d.S >= (1 << 16))
    for (std::int64_t nc = 0; nc < d.N * d.C; ++nc) {
        const std::int64_t c = nc % d.C;
        // y = x * scale + shift, with the per-channel constants folded once.
        const float scale = invstd[c] * (gamma ? gamma[c] : 1.0f);
        const float shift = (beta ? beta[c] : 0.0f) - mean[c] * scale;
        const float* xp = x + nc * d.S;
        float* yp = y + nc * d.S;
        for (std::int64_t i = 0; i < d.S; ++i) yp[i] = xp[i] * scale + shift;
    }
}

void batch_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                         const float* mean, const float* invstd, const float* gamma, const BatchNormDims& d,
                         bool batch_stats) {
    const double m = double(d.m());
#pragma omp parallel for schedule(static)
    for (std::int64_t c = 0; c < d.C; ++c) {
        // Pass 1: sum(g) and sum(g * x_hat).
        const float mc = mean[c];
        double sg = 0.0, sgx = 0.0;
        for (std::int64_t n = 0; n < d.N; ++n) {
            const float* g = dy + (n * d.C + c) * d.S;
            const float* xp = x + (n * d.C + c) * d.S;
            float pg = 0.0f, pgx = 0.0f;
#pragma omp simd reduction(+ : pg, pgx)
            for (std::int64_t i = 0; i < d.S; ++i) {
                pg += g[i];
                pgx += g[i] * (xp[i] - mc);
            }
            sg += pg;
            sgx += pgx;
        }
        sgx *= invstd[c];
        if (dbeta) dbeta[c] = static_cast<float>(sg);
        if (dgamma) dgamma[c] = static_cast<float>(sgx);
        if (!dx) continue;
        // Pass 2: dx = k (g - mean_g - x_hat mean_gx), folded to dx = k g + a x + b.
        const float k = (gamma ? gamma[c] : 1.0f) * invstd[c];
        const float mean_g = batch_stats ? static_cast<float>(sg / m) : 0.0f;
        const float mean_gx = batch_stats ? static_cast<float>(sgx / m) : 0.0f;
        const float a = -k * mean_gx * invstd[c];
        const float b = -k * mean_g - a * mc;
        for (std::int64_t n = 0; n < d.N; ++n) {
            const float* g = dy + (n * d.C + c) * d.S;
            const float* xp = x + (n * d.C + c) * d.S;
            float* o = dx + (n * d.C + c) * d.S;
            for (std::int64_t i = 0; i < d.S; ++i) o[i] = k * g[i] + a * xp[i] + b;
        }
    }
}

}  // namespace nabla
