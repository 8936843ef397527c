#include "core/conv_columns_avx512.h"

#include "core/simd.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NABLA_X86_COLUMNS 1
#endif

namespace nabla {

#ifdef NABLA_X86_COLUMNS

namespace {

// Chunks are stored whole: the lanes past a row's end land in the next row, which the
// next store overwrites (rows are written in address order), so only the buffer's last
// chunk needs a masked store.
__attribute__((target("avx512f"))) void im2col_rows(float* col, const float* img, const Conv2dDims& d) {
    const std::int64_t ld = d.OH * d.OW;
    const float* const col_end = col + d.col_size();
    for (std::int64_t c = 0; c < d.C; ++c)
        for (std::int64_t kh = 0; kh < d.KH; ++kh)
            for (std::int64_t kw = 0; kw < d.KW; ++kw) {
                float* row = col + ((c * d.KH + kh) * d.KW + kw) * ld;
                const float* plane = img + c * d.H * d.W;
                const auto [lo, hi] = valid_ow(d, kw);
                const __mmask16 m = lane_mask16(0, lo, hi);  // the same for every row
                for (std::int64_t oh = 0; oh < d.OH; ++oh) {
                    const std::int64_t ih = oh - d.P + kh;
                    const __m512 v = ih >= 0 && ih < d.H
                                         ? _mm512_maskz_loadu_ps(m, plane + ih * d.W - d.P + kw)
                                         : _mm512_setzero_ps();
                    float* dst = row + oh * d.OW;
                    if (dst + 16 <= col_end)
                        _mm512_storeu_ps(dst, v);
                    else
                        _mm512_mask_storeu_ps(dst, lane_mask16(0, 0, d.OW), v);
                }
            }
}

// Row by row of the image: each input row gathers its KW shifted column rows in registers
// and is stored once (a masked store per column row, each overlapping the last, stalled on
// store forwarding). Every element still receives its terms in the generic loop's order,
// kh then kw, and a masked add leaves lanes without a term alone (-0 stays -0).
__attribute__((target("avx512f"))) void col2im_rows(float* img, const float* col, const Conv2dDims& d) {
    const std::int64_t ld = d.OH * d.OW;
    __mmask16 m[16];  // per kw: the input columns that take a term, the same for every row
    for (std::int64_t kw = 0; kw < d.KW; ++kw)
        m[kw] = lane_mask16(0, 0, d.W) & lane_mask16(0, kw - d.P, d.OW + kw - d.P);
    for (std::int64_t c = 0; c < d.C; ++c)
        for (std::int64_t kh = 0; kh < d.KH; ++kh)
            for (std::int64_t oh = 0; oh < d.OH; ++oh) {
                const std::int64_t ih = oh - d.P + kh;
                if (ih < 0 || ih >= d.H) continue;
                float* dst = img + (c * d.H + ih) * d.W;
                // Column row kw's term for input column iw sits at output column iw + P - kw.
                const float* src = col + (c * d.KH + kh) * d.KW * ld + oh * d.OW + d.P;
                __m512 acc = _mm512_maskz_loadu_ps(lane_mask16(0, 0, d.W), dst);
                for (std::int64_t kw = 0; kw < d.KW; ++kw, src += ld - 1)
                    acc = _mm512_mask_add_ps(acc, m[kw], acc, _mm512_maskz_loadu_ps(m[kw], src));
                _mm512_mask_storeu_ps(dst, lane_mask16(0, 0, d.W), acc);
            }
}

}  // namespace

bool im2col_avx512(float* col, const float* img, const Conv2dDims& d) {
    if (d.S != 1 || d.OW > 16 || !cpu_has_avx512()) return false;
    im2col_rows(col, img, d);
    return true;
}

bool col2im_add_avx512(float* img, const float* col, const Conv2dDims& d) {
    if (d.S != 1 || d.W > 16 || d.KW > 16 || !cpu_has_avx512()) return false;
    col2im_rows(img, col, d);
    return true;
}

#else

bool im2col_avx512(float*, const float*, const Conv2dDims&) { return false; }
bool col2im_add_avx512(float*, const float*, const Conv2dDims&) { return false; }

#endif

}  // namespace nabla
