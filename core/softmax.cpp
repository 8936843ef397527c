#include "core/softmax.h"

#include <algorithm>
#include <cmath>

namespace nabla {

void log_softmax_forward(float* y, const float* x, std::int64_t N, std::int64_t C) {
    for (std::int64_t n = 0; n < N; ++n) {
        const float* xr = x + n * C;
        float* yr = y + n * C;
        const float mx = *std::max_element(xr, xr + C);
        double s = 0.0;
        for (std::int64_t c = 0; c < C; ++c) s += std::exp(double(xr[c]) - mx);
        const float lse = mx + static_cast<float>(std::log(s));
        for (std::int64_t c = 0; c < C; ++c) yr[c] = xr[c] - lse;
    }
}

void log_softmax_backward(float* dx, const float* dy, const float* y, std::int64_t N, std::int64_t C) {
    for (std::int64_t n = 0; n < N; ++n) {
        const float* g = dy + n * C;
        const float* yr = y + n * C;
        float s = 0.0f;
        for (std::int64_t c = 0; c < C; ++c) s += g[c];
        for (std::int64_t c = 0; c < C; ++c) dx[n * C + c] = g[c] - std::exp(yr[c]) * s;
    }
}

void cross_entropy_forward(float* losses, float* probs, const float* logits, const std::int64_t* labels,
                           std::int64_t N, std::int64_t C) {
    for (std::int64_t n = 0; n < N; ++n) {
        const float* xr = logits + n * C;
        float* pr = probs + n * C;
        const float mx = *std::max_element(xr, xr + C);
        float s = 0.0f;
        for (std::int64_t c = 0; c < C; ++c) s += (pr[c] = std::exp(xr[c] - mx));
        const float inv = 1.0f / s;
        for (std::int64_t c = 0; c < C; ++c) pr[c] *= inv;
        losses[n] = -(xr[labels[n]] - mx - std::log(s));
    }
}

void cross_entropy_backward(float* dlogits, const float* probs, const std::int64_t* labels,
                            const float* scale, std::int64_t N, std::int64_t C) {
    for (std::int64_t n = 0; n < N; ++n) {
        for (std::int64_t c = 0; c < C; ++c) dlogits[n * C + c] = scale[n] * probs[n * C + c];
        dlogits[n * C + labels[n]] -= scale[n];
    }
}

}  // namespace nabla
