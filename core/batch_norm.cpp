#include "core/batch_norm.h"

namespace nabla {

void batch_norm_statistics(float* mean, float* var, const float* x, const BatchNormDims& d) {
    const double m = double(d.m());
    for (std::int64_t c = 0; c < d.C; ++c) {
        double s = 0.0;
        for (std::int64_t n = 0; n < d.N; ++n) {
            const float* p = x + (n * d.C + c) * d.S;
            for (std::int64_t i = 0; i < d.S; ++i) s += p[i];
        }
        const double mu = s / m;
        double ss = 0.0;  // second pass around the mean: no catastrophic cancellation
        for (std::int64_t n = 0; n < d.N; ++n) {
            const float* p = x + (n * d.C + c) * d.S;
            for (std::int64_t i = 0; i < d.S; ++i) {
                const double t = p[i] - mu;
                ss += t * t;
            }
        }
        mean[c] = static_cast<float>(mu);
        var[c] = static_cast<float>(ss / m);
    }
}

void batch_norm_forward(float* y, const float* x, const float* mean, const float* invstd, const float* gamma,
                        const float* beta, const BatchNormDims& d) {
    for (std::int64_t n = 0; n < d.N; ++n)
        for (std::int64_t c = 0; c < d.C; ++c) {
            // y = x * scale + shift, with the per-channel constants folded once.
            const float scale = invstd[c] * (gamma ? gamma[c] : 1.0f);
            const float shift = (beta ? beta[c] : 0.0f) - mean[c] * scale;
            const float* xp = x + (n * d.C + c) * d.S;
            float* yp = y + (n * d.C + c) * d.S;
            for (std::int64_t i = 0; i < d.S; ++i) yp[i] = xp[i] * scale + shift;
        }
}

void batch_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                         const float* mean, const float* invstd, const float* gamma, const BatchNormDims& d,
                         bool batch_stats) {
    const double m = double(d.m());
    for (std::int64_t c = 0; c < d.C; ++c) {
        // Pass 1: sum(g) and sum(g * x_hat).
        double sg = 0.0, sgx = 0.0;
        for (std::int64_t n = 0; n < d.N; ++n) {
            const float* g = dy + (n * d.C + c) * d.S;
            const float* xp = x + (n * d.C + c) * d.S;
            for (std::int64_t i = 0; i < d.S; ++i) {
                sg += g[i];
                sgx += double(g[i]) * (xp[i] - mean[c]);
            }
        }
        sgx *= invstd[c];
        if (dbeta) dbeta[c] = static_cast<float>(sg);
        if (dgamma) dgamma[c] = static_cast<float>(sgx);
        if (!dx) continue;
        // Pass 2: dx.
        const float k = (gamma ? gamma[c] : 1.0f) * invstd[c];
        const float mean_g = batch_stats ? static_cast<float>(sg / m) : 0.0f;
        const float mean_gx = batch_stats ? static_cast<float>(sgx / m) : 0.0f;
        for (std::int64_t n = 0; n < d.N; ++n) {
            const float* g = dy + (n * d.C + c) * d.S;
            const float* xp = x + (n * d.C + c) * d.S;
            float* o = dx + (n * d.C + c) * d.S;
            for (std::int64_t i = 0; i < d.S; ++i) {
                const float xhat = (xp[i] - mean[c]) * invstd[c];
                o[i] = k * (g[i] - mean_g - xhat * mean_gx);
            }
        }
    }
}

}  // namespace nabla
