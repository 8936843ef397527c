#include "core/pool.h"

#include "core/error.h"
#include "core/parallel.h"
#include "core/pool_avx512.h"
#include "core/simd.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nabla {

Pool2dDims make_pool2d_dims(std::int64_t B, std::int64_t C, std::int64_t H, std::int64_t W, std::int64_t K,
                            std::int64_t S, std::int64_t P, const char* op) {
    NABLA_CHECK(K >= 1 && S >= 1 && P >= 0, op, "invalid kernel {}, stride {} or padding {}", K, S, P);
    NABLA_CHECK(2 * P <= K, op, "padding {} must be at most half the kernel size {}", P, K);
    NABLA_CHECK(H + 2 * P >= K && W + 2 * P >= K, op, "kernel {} larger than the padded input {}x{}", K,
                H + 2 * P, W + 2 * P);
    return {B, C, H, W, K, S, P, (H + 2 * P - K) / S + 1, (W + 2 * P - K) / S + 1};
}

namespace {

// The common 2x2 window, stride 2, no padding: the same rule (first maximum wins, a NaN
// wins and stops the search) without the general loop's bounds checks. Written so that
// GCC vectorises the row (it if-converts the updates into selects; an int counter, as a
// 64-bit one with the stride-2 loads defeats its vectoriser): after a ReLU, ties and
// maxima fall at random, and the branches of a scalar loop mispredict constantly.
NABLA_HOT_LOOP_256 void max_pool2x2(float* out, std::int32_t* argmax, const float* plane,
                                    const Pool2dDims& d) {
    const auto OW = static_cast<int>(d.OW), w = static_cast<int>(d.W);
    for (std::int64_t oh = 0; oh < d.OH; ++oh) {
        const float* __restrict r0 = plane + 2 * oh * d.W;
        const float* __restrict r1 = r0 + d.W;
        float* __restrict o = out + oh * d.OW;
        std::int32_t* __restrict a = argmax + oh * d.OW;
        const auto i0 = static_cast<int>(2 * oh * d.W);
        for (int ow = 0; ow < OW; ++ow) {
            const float v1 = r0[2 * ow + 1], v2 = r1[2 * ow], v3 = r1[2 * ow + 1];
            const int i = i0 + 2 * ow;
            float best = r0[2 * ow];
            int best_i = i;
            // !(v <= best): v is greater or NaN; best == best: best is not NaN yet.
            if (!(v1 <= best) && best == best) {
                best = v1;
                best_i = i + 1;
            }
            if (!(v2 <= best) && best == best) {
                best = v2;
                best_i = i + w;
            }
            if (!(v3 <= best) && best == best) {
                best = v3;
                best_i = i + w + 1;
            }
            o[ow] = best;
            a[ow] = best_i;
        }
    }
}

}  // namespace

// Planes are split over OpenMP threads (static schedule): each writes only its own outputs.
void max_pool2d_forward(float* out, std::int32_t* argmax, const float* inp, const Pool2dDims& d) {
#pragma omp parallel for schedule(static) if (d.B * d.C * d.H * d.W >= kParallelMinElements)
    for (std::int64_t bc = 0; bc < d.B * d.C; ++bc) {
        if (d.K == 2 && d.S == 2 && d.P == 0) {
            float* o = out + bc * d.OH * d.OW;
            std::int32_t* a = argmax + bc * d.OH * d.OW;
            const float* plane = inp + bc * d.H * d.W;
            if (!max_pool2x2_avx512(o, a, plane, d)) max_pool2x2(o, a, plane, d);
            continue;
        }
        const float* plane = inp + bc * d.H * d.W;
        for (std::int64_t oh = 0; oh < d.OH; ++oh)
            for (std::int64_t ow = 0; ow < d.OW; ++ow) {
                float best = -std::numeric_limits<float>::infinity();
                std::int64_t best_i = -1;
                for (std::int64_t kh = 0; kh < d.K; ++kh) {
                    const std::int64_t ih = oh * d.S - d.P + kh;
                    if (ih < 0 || ih >= d.H) continue;
                    for (std::int64_t kw = 0; kw < d.K; ++kw) {
                        const std::int64_t iw = ow * d.S - d.P + kw;
                        if (iw < 0 || iw >= d.W) continue;
                        const float v = plane[ih * d.W + iw];
                        if (best_i < 0 || v > best || std::isnan(v)) {
                            best = v;
                            best_i = ih * d.W + iw;
                            if (std::isnan(v)) goto done;  // NaN propagates, as in PyTorch
                        }
                    }
                }
            done:
                const std::int64_t o = (bc * d.OH + oh) * d.OW + ow;
                out[o] = best;
                argmax[o] = static_cast<std::int32_t>(best_i);
            }
    }
}

void max_pool2d_backward(float* dinp, const float* dout, const std::int32_t* argmax, const Pool2dDims& d) {
#pragma omp parallel for schedule(static) if (d.B * d.C * d.H * d.W >= kParallelMinElements)
    for (std::int64_t bc = 0; bc < d.B * d.C; ++bc) {
        float* plane = dinp + bc * d.H * d.W;
        std::fill_n(plane, d.H * d.W, 0.0f);
        const std::int64_t base = bc * d.OH * d.OW;
        for (std::int64_t o = 0; o < d.OH * d.OW; ++o) plane[argmax[base + o]] += dout[base + o];
    }
}

namespace {

// One output's window clipped to the input: rows [h0, h1), columns [w0, w1), and its
// divisor. Without ceil mode the unclipped window never passes the far padding, so
// counting padding gives K*K.
struct AvgWindow {
    std::int64_t h0, h1, w0, w1;
    float divisor;
};

AvgWindow avg_window(std::int64_t oh, std::int64_t ow, const Pool2dDims& d, bool count_include_pad) {
    const std::int64_t hs = oh * d.S - d.P, ws = ow * d.S - d.P;
    AvgWindow w{std::max<std::int64_t>(hs, 0), std::min(hs + d.K, d.H), std::max<std::int64_t>(ws, 0),
                std::min(ws + d.K, d.W), 0.0f};
    w.divisor = static_cast<float>(count_include_pad ? d.K * d.K : (w.h1 - w.h0) * (w.w1 - w.w0));
    return w;
}

bool is_2x2(const Pool2dDims& d) { return d.K == 2 && d.S == 2 && d.P == 0; }

// The common 2x2 window, stride 2, no padding, summed in the general loop's order so
// both give the same bits.
NABLA_HOT_LOOP void avg_pool2x2(float* out, const float* plane, const Pool2dDims& d) {
    for (std::int64_t oh = 0; oh < d.OH; ++oh) {
        const float* __restrict r0 = plane + 2 * oh * d.W;
        const float* __restrict r1 = r0 + d.W;
        float* __restrict o = out + oh * d.OW;
        for (std::int64_t ow = 0; ow < d.OW; ++ow)
            o[ow] = (((r0[2 * ow] + r0[2 * ow + 1]) + r1[2 * ow]) + r1[2 * ow + 1]) / 4.0f;
    }
}

void avg_pool_plane(float* out, const float* plane, const Pool2dDims& d, bool count_include_pad) {
    for (std::int64_t oh = 0; oh < d.OH; ++oh)
        for (std::int64_t ow = 0; ow < d.OW; ++ow) {
            const AvgWindow w = avg_window(oh, ow, d, count_include_pad);
            float total = 0.0f;
            for (std::int64_t ih = w.h0; ih < w.h1; ++ih)
                for (std::int64_t iw = w.w0; iw < w.w1; ++iw) total += plane[ih * d.W + iw];
            out[oh * d.OW + ow] = total / w.divisor;
        }
}

void avg_pool_plane_backward(float* dplane, const float* dout, const Pool2dDims& d, bool count_include_pad) {
    std::fill_n(dplane, d.H * d.W, 0.0f);
    for (std::int64_t oh = 0; oh < d.OH; ++oh)
        for (std::int64_t ow = 0; ow < d.OW; ++ow) {
            const AvgWindow w = avg_window(oh, ow, d, count_include_pad);
            const float share = dout[oh * d.OW + ow] / w.divisor;
            for (std::int64_t ih = w.h0; ih < w.h1; ++ih)
                for (std::int64_t iw = w.w0; iw < w.w1; ++iw) dplane[ih * d.W + iw] += share;
        }
}

}  // namespace

// Planes are split over OpenMP threads (static schedule): each writes only its own outputs.
void avg_pool2d_forward(float* out, const float* inp, const Pool2dDims& d, bool count_include_pad) {
#pragma omp parallel for schedule(static) if (d.B * d.C * d.H * d.W >= kParallelMinElements)
    for (std::int64_t bc = 0; bc < d.B * d.C; ++bc) {
        float* o = out + bc * d.OH * d.OW;
        const float* plane = inp + bc * d.H * d.W;
        if (is_2x2(d))
            avg_pool2x2(o, plane, d);
        else
            avg_pool_plane(o, plane, d, count_include_pad);
    }
}

void avg_pool2d_backward(float* dinp, const float* dout, const Pool2dDims& d, bool count_include_pad) {
#pragma omp parallel for schedule(static) if (d.B * d.C * d.H * d.W >= kParallelMinElements)
    for (std::int64_t bc = 0; bc < d.B * d.C; ++bc)
        avg_pool_plane_backward(dinp + bc * d.H * d.W, dout + bc * d.OH * d.OW, d, count_include_pad);
}

void avg_pool2d_forward_reference(float* out, const float* inp, const Pool2dDims& d, bool count_include_pad) {
    for (std::int64_t b = 0; b < d.B; ++b)
        for (std::int64_t c = 0; c < d.C; ++c)
            for (std::int64_t oh = 0; oh < d.OH; ++oh)
                for (std::int64_t ow = 0; ow < d.OW; ++ow) {
                    float total = 0.0f;
                    std::int64_t real = 0;
                    for (std::int64_t kh = 0; kh < d.K; ++kh)
                        for (std::int64_t kw = 0; kw < d.K; ++kw) {
                            const std::int64_t ih = oh * d.S - d.P + kh, iw = ow * d.S - d.P + kw;
                            if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) continue;  // a padding zero
                            total += inp[((b * d.C + c) * d.H + ih) * d.W + iw];
                            ++real;
                        }
                    const float divisor = static_cast<float>(count_include_pad ? d.K * d.K : real);
                    out[((b * d.C + c) * d.OH + oh) * d.OW + ow] = total / divisor;
                }
}

void avg_pool2d_backward_reference(float* dinp, const float* dout, const Pool2dDims& d,
                                   bool count_include_pad) {
    std::fill_n(dinp, d.B * d.C * d.H * d.W, 0.0f);
    for (std::int64_t b = 0; b < d.B; ++b)
        for (std::int64_t c = 0; c < d.C; ++c)
            for (std::int64_t oh = 0; oh < d.OH; ++oh)
                for (std::int64_t ow = 0; ow < d.OW; ++ow) {
                    std::int64_t real = 0;
                    for (std::int64_t kh = 0; kh < d.K; ++kh)
                        for (std::int64_t kw = 0; kw < d.K; ++kw) {
                            const std::int64_t ih = oh * d.S - d.P + kh, iw = ow * d.S - d.P + kw;
                            real += ih >= 0 && ih < d.H && iw >= 0 && iw < d.W;
                        }
                    const float divisor = static_cast<float>(count_include_pad ? d.K * d.K : real);
                    const float share = dout[((b * d.C + c) * d.OH + oh) * d.OW + ow] / divisor;
                    for (std::int64_t kh = 0; kh < d.K; ++kh)
                        for (std::int64_t kw = 0; kw < d.K; ++kw) {
                            const std::int64_t ih = oh * d.S - d.P + kh, iw = ow * d.S - d.P + kw;
                            if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) continue;
                            dinp[((b * d.C + c) * d.H + ih) * d.W + iw] += share;
                        }
                }
}

}  // namespace nabla
