#include "core/pool_avx512.h"

#include "core/simd.h"

#include <algorithm>
#include <cstdint>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NABLA_X86_POOL 1
#endif

namespace nabla {

#ifdef NABLA_X86_POOL

namespace {

__attribute__((target("avx512f"))) void pool_plane(float* out, std::int32_t* argmax, const float* plane,
                                                   const Pool2dDims& d) {
    const std::int64_t used = 2 * d.OW;  // input columns a window covers (an odd last one is left out)
    const __mmask16 lo_mask = lane_mask16(0, 0, used), hi_mask = lane_mask16(16, 0, used),
                    out_mask = lane_mask16(0, 0, d.OW);
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    const auto w = static_cast<std::int32_t>(d.W);
    for (std::int64_t oh = 0; oh < d.OH; ++oh) {
        const float* r0 = plane + 2 * oh * d.W;
        const float* r1 = r0 + d.W;
        const __m512 a0 = _mm512_maskz_loadu_ps(lo_mask, r0), a1 = _mm512_maskz_loadu_ps(hi_mask, r0 + 16);
        const __m512 b0 = _mm512_maskz_loadu_ps(lo_mask, r1), b1 = _mm512_maskz_loadu_ps(hi_mask, r1 + 16);
        // The window's four values, one output per lane.
        const __m512 v[4] = {_mm512_permutex2var_ps(a0, even, a1), _mm512_permutex2var_ps(a0, odd, a1),
                             _mm512_permutex2var_ps(b0, even, b1), _mm512_permutex2var_ps(b0, odd, b1)};
        const __m512i first =
            _mm512_add_epi32(_mm512_set1_epi32(static_cast<std::int32_t>(2 * oh * d.W)), even);
        const std::int32_t offset[4] = {0, 1, w, w + 1};
        __m512 best = v[0];
        __m512i best_i = first;
        for (int k = 1; k < 4; ++k) {
            // !(v <= best): v is greater or NaN; best == best: best is not NaN yet.
            const __mmask16 take =
                _mm512_cmp_ps_mask(v[k], best, _CMP_NLE_UQ) & _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q);
            best = _mm512_mask_mov_ps(best, take, v[k]);
            best_i = _mm512_mask_add_epi32(best_i, take, first, _mm512_set1_epi32(offset[k]));
        }
        _mm512_mask_storeu_ps(out + oh * d.OW, out_mask, best);
        _mm512_mask_storeu_epi32(argmax + oh * d.OW, out_mask, best_i);
    }
}

}  // namespace

bool max_pool2x2_avx512(float* out, std::int32_t* argmax, const float* plane, const Pool2dDims& d) {
    if (d.W > 32 || !cpu_has_avx512()) return false;
    pool_plane(out, argmax, plane, d);
    return true;
}

#else

bool max_pool2x2_avx512(float*, std::int32_t*, const float*, const Pool2dDims&) { return false; }

#endif

}  // namespace nabla
