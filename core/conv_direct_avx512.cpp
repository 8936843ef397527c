#include "core/conv_direct_avx512.h"

#include "core/simd.h"

#include <algorithm>
#include <cstdint>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NABLA_X86_DIRECT 1
#endif

namespace nabla {

namespace {
constexpr std::int64_t kMaxTaps = 32;  // K = C*KH*KW; beyond it im2col + the packed kernel wins
constexpr std::int64_t kMaxRow = 32;   // output pixels per row: two vectors
}  // namespace

#ifdef NABLA_X86_DIRECT

namespace {

// Masks of one row piece v (16 output columns) for kernel column kw: the lanes whose
// output column is inside the row and whose input column ow - P + kw inside the image.
struct RowMasks {
    __mmask16 in[kMaxTaps][2];  // [kw][v]
    __mmask16 out[2];           // [v]
    explicit RowMasks(const Conv2dDims& d) {
        for (std::int64_t v = 0; v < 2; ++v) {
            out[v] = lane_mask16(16 * v, 0, d.OW);
            for (std::int64_t kw = 0; kw < d.KW; ++kw) {
                const auto [lo, hi] = valid_ow(d, kw);
                in[kw][v] = lane_mask16(16 * v, lo, hi);
            }
        }
    }
};

// Output channels oc0 .. oc0+OB-1, every row: OB x NV accumulators over every tap.
template <int OB, int NV>
__attribute__((target("avx512f"))) void forward_block(float* y, const float* x, const float* weight,
                                                      const float* bias, std::int64_t oc0,
                                                      const Conv2dDims& d, const RowMasks& m) {
    const std::int64_t N = d.OH * d.OW, taps = d.C * d.KH * d.KW;
    for (std::int64_t oh = 0; oh < d.OH; ++oh) {
        __m512 acc[OB][NV];
        for (int o = 0; o < OB; ++o)
            for (int v = 0; v < NV; ++v) acc[o][v] = _mm512_set1_ps(bias ? bias[oc0 + o] : 0.0f);
        for (std::int64_t c = 0; c < d.C; ++c)
            for (std::int64_t kh = 0; kh < d.KH; ++kh) {
                const std::int64_t ih = oh - d.P + kh;
                if (ih < 0 || ih >= d.H) continue;
                const float* row = x + (c * d.H + ih) * d.W - d.P;
                const float* w = weight + oc0 * taps + (c * d.KH + kh) * d.KW;
                for (std::int64_t kw = 0; kw < d.KW; ++kw) {
                    __m512 in[NV];
                    for (int v = 0; v < NV; ++v)
                        in[v] = _mm512_maskz_loadu_ps(m.in[kw][v], row + kw + 16 * v);
                    for (int o = 0; o < OB; ++o) {
                        const __m512 wv = _mm512_set1_ps(w[o * taps + kw]);
                        for (int v = 0; v < NV; ++v) acc[o][v] = _mm512_fmadd_ps(wv, in[v], acc[o][v]);
                    }
                }
            }
        for (int o = 0; o < OB; ++o)
            for (int v = 0; v < NV; ++v)
                _mm512_mask_storeu_ps(y + (oc0 + o) * N + oh * d.OW + 16 * v, m.out[v], acc[o][v]);
    }
}

template <int NV>
void forward_image(float* y, const float* x, const float* weight, const float* bias, const Conv2dDims& d) {
    const RowMasks m(d);
    std::int64_t oc = 0;
    for (; oc + 8 <= d.OC; oc += 8) forward_block<8, NV>(y, x, weight, bias, oc, d, m);
    for (; oc < d.OC; ++oc) forward_block<1, NV>(y, x, weight, bias, oc, d, m);
}

// The sum of a vector's lanes, in a fixed order (GCC 12's _mm512_reduce_add_ps trips
// -Wmaybe-uninitialized in its own header, as do the unmasked shuffles used here).
__attribute__((target("avx512f"))) inline float lane_sum(__m512 v) {
    const __mmask16 all = 0xFFFF;
    const __m512 a = _mm512_add_ps(v, _mm512_mask_shuffle_f32x4(v, all, v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    const __m512 b = _mm512_add_ps(a, _mm512_mask_shuffle_f32x4(a, all, a, a, _MM_SHUFFLE(2, 3, 0, 1)));
    const __m512 c = _mm512_add_ps(b, _mm512_mask_permute_ps(b, all, b, _MM_SHUFFLE(1, 0, 3, 2)));
    const __m512 e = _mm512_add_ps(c, _mm512_mask_permute_ps(c, all, c, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm512_cvtss_f32(e);
}

// dweight[oc0 + o, c, taps t0 .. t0+nt-1] += the sum over the image of g[oc0 + o] times the
// input under each tap: OB x T accumulators (T >= nt taps, fixed at compile time and the
// tap loop unrolled whole, so they stay in registers), reduced to one number each at the
// end. A tap past nt, or a row outside the image (checked only in the edge rows), loads
// with an empty mask: zeros. Lanes past the row hold g = 0.
template <int OB, int NV, int T>
__attribute__((target("avx512f"))) void weight_grad_block(float* dweight, const float* g, const float* x,
                                                          std::int64_t oc0, std::int64_t c, std::int64_t t0,
                                                          int nt, const Conv2dDims& d, const RowMasks& m) {
    const std::int64_t N = d.OH * d.OW, taps_c = d.KH * d.KW, taps = d.C * taps_c;
    // Per tap: where its input row starts for output row 0, its kernel row, its masks.
    std::int64_t off[T], kh[T];
    __mmask16 mask[T][NV];
    for (int t = 0; t < T; ++t) {
        const std::int64_t kht = t < nt ? (t0 + t) / d.KW : 0, kwt = t < nt ? (t0 + t) % d.KW : 0;
        off[t] = (c * d.H + kht - d.P) * d.W - d.P + kwt;
        kh[t] = kht;
        for (int v = 0; v < NV; ++v) mask[t][v] = t < nt ? m.in[kwt][v] : 0;
    }
    // Output rows whose every tap reads a row inside the image: no per-tap check.
    const std::int64_t inner_lo = std::min(d.P, d.OH),
                       inner_hi = std::max(inner_lo, std::min(d.OH, d.H - d.KH + d.P + 1));
    __m512 acc[OB][T];
    for (int o = 0; o < OB; ++o)
        for (int t = 0; t < T; ++t) acc[o][t] = _mm512_setzero_ps();
    for (std::int64_t oh = 0; oh < d.OH; ++oh) {
        const bool edge = oh < inner_lo || oh >= inner_hi;
        __m512 gv[OB][NV];
        for (int o = 0; o < OB; ++o)
            for (int v = 0; v < NV; ++v)
                gv[o][v] = _mm512_maskz_loadu_ps(m.out[v], g + (oc0 + o) * N + oh * d.OW + 16 * v);
#pragma GCC unroll 16
        for (int t = 0; t < T; ++t) {
            const float* row = x + off[t] + oh * d.W;
            bool inside = true;
            if (edge) {
                const std::int64_t ih = oh - d.P + kh[t];
                inside = ih >= 0 && ih < d.H;
                if (!inside) row = x;
            }
            for (int v = 0; v < NV; ++v) {
                const __m512 in = _mm512_maskz_loadu_ps(inside ? mask[t][v] : 0, row + 16 * v);
                for (int o = 0; o < OB; ++o) acc[o][t] = _mm512_fmadd_ps(gv[o][v], in, acc[o][t]);
            }
        }
    }
    for (int o = 0; o < OB; ++o)
        for (int t = 0; t < nt; ++t) dweight[(oc0 + o) * taps + c * taps_c + t0 + t] += lane_sum(acc[o][t]);
}

template <int NV, int T>
void weight_grad_channel(float* dweight, const float* g, const float* x, std::int64_t c, std::int64_t t0,
                         int nt, const Conv2dDims& d, const RowMasks& m) {
    std::int64_t oc = 0;
    for (; oc + 2 <= d.OC; oc += 2) weight_grad_block<2, NV, T>(dweight, g, x, oc, c, t0, nt, d, m);
    for (; oc < d.OC; ++oc) weight_grad_block<1, NV, T>(dweight, g, x, oc, c, t0, nt, d, m);
}

template <int NV>
void weight_grad_image(float* dweight, const float* g, const float* x, const Conv2dDims& d) {
    const RowMasks m(d);
    const std::int64_t taps_c = d.KH * d.KW;
    // The channel's taps in equal groups of at most 9 (25 taps: 9 + 8 + 8), each group in
    // the smallest register block that holds it.
    const std::int64_t groups = (taps_c + 8) / 9, per = (taps_c + groups - 1) / groups;
    for (std::int64_t c = 0; c < d.C; ++c)
        for (std::int64_t t0 = 0; t0 < taps_c; t0 += per) {
            const int nt = static_cast<int>(std::min(per, taps_c - t0));
            if (nt == 1)
                weight_grad_channel<NV, 1>(dweight, g, x, c, t0, nt, d, m);
            else if (nt <= 4)
                weight_grad_channel<NV, 4>(dweight, g, x, c, t0, nt, d, m);
            else
                weight_grad_channel<NV, 9>(dweight, g, x, c, t0, nt, d, m);
        }
}

}  // namespace

bool conv2d_direct_supported(const Conv2dDims& d) {
    return d.S == 1 && d.C * d.KH * d.KW <= kMaxTaps && d.OW <= kMaxRow && cpu_has_avx512();
}

void conv2d_direct_image(float* y, const float* x, const float* weight, const float* bias,
                         const Conv2dDims& d) {
    if (d.OW <= 16)
        forward_image<1>(y, x, weight, bias, d);
    else
        forward_image<2>(y, x, weight, bias, d);
}

void conv2d_direct_weight_grad_image(float* dweight, const float* g, const float* x, const Conv2dDims& d) {
    if (d.OW <= 16)
        weight_grad_image<1>(dweight, g, x, d);
    else
        weight_grad_image<2>(dweight, g, x, d);
}

#else

bool conv2d_direct_supported(const Conv2dDims&) { return false; }
void conv2d_direct_image(float*, const float*, const float*, const float*, const Conv2dDims&) {}
void conv2d_direct_weight_grad_image(float*, const float*, const float*, const Conv2dDims&) {}

#endif

}  // namespace nabla
