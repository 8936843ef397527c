#include "core/conv_winograd.h"

#include "core/blas.h"
#include "core/error.h"
#include "core/simd.h"
#include "core/storage.h"
#include "core/thread_scratch.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NABLA_X86_WINOGRAD 1
#endif

#include <algorithm>
#include <vector>

namespace nabla {

bool conv2d_winograd_applies(const Conv2dDims& d) { return d.KH == 3 && d.KW == 3 && d.S == 1 && d.P == 1; }

#ifdef NABLA_X86_WINOGRAD

namespace {

// Images whose tiles go through one round of the 16 products: four images of the MNIST CNN's
// second layer are 196 tiles. With two (98 tiles) the products' last 32-column panel was
// mostly empty: 1.40 ms for that layer's forward at batch 64 against 1.25 (2 threads).
constexpr std::int64_t kImagesPerChunk = 4;

// Smaller batches take im2col: transforming the kernel costs a product's worth of work per
// call, which a batch repays and a single image does not (cnn_bn at batch 1 took 187 us
// with it against 106 without).
constexpr std::int64_t kMinBatch = 8;

// A plane's 2x2 output blocks; for padding 1 the output has the input's size.
struct Tiling {
    std::int64_t H, W, TH, TW;  // the plane, and its tiles down and across
    explicit Tiling(std::int64_t h, std::int64_t w) : H(h), W(w), TH((h + 1) / 2), TW((w + 1) / 2) {}
    std::int64_t per_image() const { return TH * TW; }
};

// The tile transforms run a row of tiles at a time with AVX-512, the tiles as vector lanes:
// a padded input row (p = iw + 1, p < 16) is one vector, the four combinations of rows
// (B^T d) are four vector operations, and the columns 2tw .. 2tw + 3 of every tile are
// gathered from it by four permutes. A tile at a time in scalar code, the transforms had
// cost twice the products they feed. Rows of at most 14 pixels (7 tiles) fit.
constexpr std::int64_t kMaxWidth = 14;

// Lane tw <- lane 2 tw + k of a vector (k = 0 .. 3): the padded columns of each tile. Lanes
// from 7 on (past the 7 tiles a row can have) hold leftovers and are never stored.
__attribute__((target("avx512f"))) inline __m512 tile_column(__m512 v, int k) {
    // The masked form: GCC 12's unmasked one trips -Wmaybe-uninitialized in its own header.
    const __m512i idx =
        _mm512_setr_epi32(k, k + 2, k + 4, k + 6, k + 8, k + 10, k + 12, k + 14, 0, 0, 0, 0, 0, 0, 0, 0);
    return _mm512_mask_permutexvar_ps(v, 0xFFFF, idx, v);
}

// V[xi][c][t] = (B^T d B)[xi], d the 4x4 input tile of tile t of images [0, n) of x
// ([n, C, H, W]); what lies outside the plane reads as zero (the padding). T: tiles in all.
__attribute__((target("avx512f"))) void transform_input(float* V, const float* x, std::int64_t n,
                                                        std::int64_t C, const Tiling& tl, std::int64_t T) {
    const __mmask16 row_mask = lane_mask16(0, 1, tl.W + 1), tiles = lane_mask16(0, 0, tl.TW);
    for (std::int64_t img = 0; img < n; ++img)
        for (std::int64_t c = 0; c < C; ++c) {
            const float* plane = x + (img * C + c) * tl.H * tl.W;
            for (std::int64_t th = 0; th < tl.TH; ++th) {
                __m512 d[4];  // input rows 2th - 1 .. 2th + 2, padded
                for (int i = 0; i < 4; ++i) {
                    const std::int64_t ih = 2 * th - 1 + i;
                    d[i] = ih >= 0 && ih < tl.H ? _mm512_maskz_loadu_ps(row_mask, plane + ih * tl.W - 1)
                                                : _mm512_setzero_ps();
                }
                const __m512 r[4] = {_mm512_sub_ps(d[0], d[2]), _mm512_add_ps(d[1], d[2]),
                                     _mm512_sub_ps(d[2], d[1]), _mm512_sub_ps(d[1], d[3])};  // B^T d
                float* v = V + c * T + (img * tl.TH + th) * tl.TW;  // element xi at v[xi * C * T]
                for (int i = 0; i < 4; ++i) {                       // (B^T d) B
                    const __m512 a = tile_column(r[i], 0), b = tile_column(r[i], 1), e = tile_column(r[i], 2),
                                 f = tile_column(r[i], 3);
                    _mm512_mask_storeu_ps(v + (4 * i + 0) * C * T, tiles, _mm512_sub_ps(a, e));
                    _mm512_mask_storeu_ps(v + (4 * i + 1) * C * T, tiles, _mm512_add_ps(b, e));
                    _mm512_mask_storeu_ps(v + (4 * i + 2) * C * T, tiles, _mm512_sub_ps(e, b));
                    _mm512_mask_storeu_ps(v + (4 * i + 3) * C * T, tiles, _mm512_sub_ps(b, f));
                }
            }
        }
}

// y[img][oc]'s 2x2 blocks = A^T m A (+ bias[oc]), m the 4x4 of M[xi][oc][t]; a block's
// row or column past the plane's edge (an odd size) is dropped.
__attribute__((target("avx512f"))) void transform_output(float* y, const float* M, std::int64_t n,
                                                         std::int64_t OC, const Tiling& tl, std::int64_t T,
                                                         const float* bias) {
    const __mmask16 tiles = lane_mask16(0, 0, tl.TW), row_mask = lane_mask16(0, 0, tl.W);
    // Lane 2 tw <- even[tw], lane 2 tw + 1 <- odd[tw] (odd's lanes are 16 + tw).
    const __m512i interleave = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    for (std::int64_t img = 0; img < n; ++img)
        for (std::int64_t oc = 0; oc < OC; ++oc) {
            float* plane = y + (img * OC + oc) * tl.H * tl.W;
            const __m512 b = _mm512_set1_ps(bias ? bias[oc] : 0.0f);
            for (std::int64_t th = 0; th < tl.TH; ++th) {
                const float* m = M + oc * T + (img * tl.TH + th) * tl.TW;  // element xi at m[xi * OC * T]
                __m512 s[2][4];                                            // A^T m
                for (int j = 0; j < 4; ++j) {
                    const __m512 m0 = _mm512_maskz_loadu_ps(tiles, m + j * OC * T),
                                 m1 = _mm512_maskz_loadu_ps(tiles, m + (4 + j) * OC * T),
                                 m2 = _mm512_maskz_loadu_ps(tiles, m + (8 + j) * OC * T),
                                 m3 = _mm512_maskz_loadu_ps(tiles, m + (12 + j) * OC * T);
                    s[0][j] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
                    s[1][j] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
                }
                for (int i = 0; i < 2; ++i) {
                    const std::int64_t oh = 2 * th + i;
                    if (oh >= tl.H) break;
                    const __m512 even =
                        _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s[i][0], s[i][1]), s[i][2]), b);
                    const __m512 odd =
                        _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s[i][1], s[i][2]), s[i][3]), b);
                    _mm512_mask_storeu_ps(plane + oh * tl.W, row_mask,
                                          _mm512_permutex2var_ps(even, interleave, odd));
                }
            }
        }
}

// U[xi][m][k] = (G g G^T)[xi] for g = w[m][k] of a weight [Mo, Ki, 3, 3]; with flip, g is
// w[k][m] of a weight [Ki, Mo, 3, 3] turned by 180 degrees (the input gradient's kernel).
// k innermost, so each of the 16 outputs is a contiguous stream and the loop vectorises (the
// 9 taps are strided loads): for a single image this transform was most of the layer.
NABLA_HOT_LOOP void transform_weights(float* U, const float* w, std::int64_t Mo, std::int64_t Ki, bool flip) {
    const std::int64_t tap_stride = flip ? Mo * 9 : 9;  // from one k to the next
    for (std::int64_t m = 0; m < Mo; ++m) {
        const float* base = flip ? w + m * 9 : w + m * Ki * 9;
        float* u = U + m * Ki;  // element xi at u[xi * Mo * Ki]
        for (std::int64_t k = 0; k < Ki; ++k) {
            const float* gk = base + k * tap_stride;
            float g[3][3];
            for (int i = 0; i < 3; ++i)
                for (int j = 0; j < 3; ++j) g[i][j] = flip ? gk[(2 - i) * 3 + (2 - j)] : gk[i * 3 + j];
            float q[4][3];  // G g
            for (int j = 0; j < 3; ++j) {
                q[0][j] = g[0][j];
                q[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
                q[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
                q[3][j] = g[2][j];
            }
            for (int i = 0; i < 4; ++i) {
                u[(4 * i + 0) * Mo * Ki + k] = q[i][0];
                u[(4 * i + 1) * Mo * Ki + k] = 0.5f * (q[i][0] + q[i][1] + q[i][2]);
                u[(4 * i + 2) * Mo * Ki + k] = 0.5f * (q[i][0] - q[i][1] + q[i][2]);
                u[(4 * i + 3) * Mo * Ki + k] = q[i][2];
            }
        }
    }
}

// E[xi][oc][t] = (A e A^T)[xi], e the 2x2 block of dout at tile t (zero past an odd edge).
__attribute__((target("avx512f"))) void transform_output_grad(float* E, const float* dout, std::int64_t n,
                                                              std::int64_t OC, const Tiling& tl,
                                                              std::int64_t T) {
    const __mmask16 tiles = lane_mask16(0, 0, tl.TW), row_mask = lane_mask16(0, 0, tl.W);
    for (std::int64_t img = 0; img < n; ++img)
        for (std::int64_t oc = 0; oc < OC; ++oc) {
            const float* plane = dout + (img * OC + oc) * tl.H * tl.W;
            for (std::int64_t th = 0; th < tl.TH; ++th) {
                const __m512 e0 = _mm512_maskz_loadu_ps(row_mask, plane + 2 * th * tl.W),
                             e1 = 2 * th + 1 < tl.H
                                      ? _mm512_maskz_loadu_ps(row_mask, plane + (2 * th + 1) * tl.W)
                                      : _mm512_setzero_ps();
                const __m512 p[4] = {e0, _mm512_add_ps(e0, e1), _mm512_sub_ps(e0, e1),
                                     _mm512_sub_ps(_mm512_setzero_ps(), e1)};  // A e
                float* out = E + oc * T + (img * tl.TH + th) * tl.TW;  // element xi at out[xi * OC * T]
                for (int i = 0; i < 4; ++i) {                          // (A e) A^T
                    const __m512 a = tile_column(p[i], 0), b = tile_column(p[i], 1);
                    _mm512_mask_storeu_ps(out + (4 * i + 0) * OC * T, tiles, a);
                    _mm512_mask_storeu_ps(out + (4 * i + 1) * OC * T, tiles, _mm512_add_ps(a, b));
                    _mm512_mask_storeu_ps(out + (4 * i + 2) * OC * T, tiles, _mm512_sub_ps(a, b));
                    _mm512_mask_storeu_ps(out + (4 * i + 3) * OC * T, tiles,
                                          _mm512_sub_ps(_mm512_setzero_ps(), b));
                }
            }
        }
}

// dw[oc][c] = G^T Z G, Z the 4x4 of Z[xi][oc][c]: the kernel gradient from the summed products.
void inverse_weight_transform(float* dw, const float* Z, std::int64_t OC, std::int64_t C) {
    for (std::int64_t oc = 0; oc < OC; ++oc)
        for (std::int64_t c = 0; c < C; ++c) {
            const float* z = Z + oc * C + c;  // element xi at z[xi * OC * C]
            float h[3][4];                    // G^T Z
            for (int j = 0; j < 4; ++j) {
                const float z0 = z[j * OC * C], z1 = z[(4 + j) * OC * C], z2 = z[(8 + j) * OC * C],
                            z3 = z[(12 + j) * OC * C];
                h[0][j] = z0 + 0.5f * (z1 + z2);
                h[1][j] = 0.5f * (z1 - z2);
                h[2][j] = 0.5f * (z1 + z2) + z3;
            }
            float* out = dw + (oc * C + c) * 9;
            for (int i = 0; i < 3; ++i) {
                out[i * 3 + 0] = h[i][0] + 0.5f * (h[i][1] + h[i][2]);
                out[i * 3 + 1] = 0.5f * (h[i][1] - h[i][2]);
                out[i * 3 + 2] = 0.5f * (h[i][1] + h[i][2]) + h[i][3];
            }
        }
}

// gemm_flop_count counts a convolution at the im2col product's FLOPs, whatever computes it:
// the 16 products' own count is replaced by that.
void count_as_im2col(const Conv2dDims& d) {
    const std::int64_t own = 16 * 2 * d.OC * d.C * d.B * ((d.OH + 1) / 2) * ((d.OW + 1) / 2);
    count_gemm_flops(conv2d_product_flops(d) - own);
}

// out [B, Co, H, W] = the convolution of inp [B, Ci, H, W] whose transformed kernel is U
// ([16][Co][Ci]), plus bias (may be null).
void winograd_conv(float* out, const float* inp, const float* U, std::int64_t B, std::int64_t Ci,
                   std::int64_t Co, const Tiling& tl, const float* bias) {
    std::vector<GemmLhs> lhs;  // each element's [Co, Ci] packed once for every chunk
    lhs.reserve(16);
    for (int xi = 0; xi < 16; ++xi) lhs.emplace_back(false, Co, Ci, U + xi * Co * Ci);
    const std::int64_t max_T = kImagesPerChunk * tl.per_image(),
                       chunks = (B + kImagesPerChunk - 1) / kImagesPerChunk;
    ThreadScratch scratch(16 * (Ci + Co) * max_T);
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (std::int64_t ch = 0; ch < chunks; ++ch) {
        const std::int64_t b0 = ch * kImagesPerChunk, n = std::min(kImagesPerChunk, B - b0),
                           T = n * tl.per_image();
        float* V = scratch.mine();
        float* M = V + 16 * Ci * T;
        transform_input(V, inp + b0 * Ci * tl.H * tl.W, n, Ci, tl, T);
        for (int xi = 0; xi < 16; ++xi) gemm(lhs[xi], false, T, 1.0f, V + xi * Ci * T, 0.0f, M + xi * Co * T);
        transform_output(out + b0 * Co * tl.H * tl.W, M, n, Co, tl, T, bias);
    }
}

}  // namespace

bool conv2d_winograd_supported(const Conv2dDims& d) {
    return conv2d_winograd_applies(d) && d.B >= kMinBatch && d.C > 1 && d.W <= kMaxWidth && cpu_has_avx512();
}

namespace {
void check_supported(const Conv2dDims& d) {
    NABLA_CHECK(
        conv2d_winograd_applies(d) && d.W <= kMaxWidth && cpu_has_avx512(), "conv2d",
        "the Winograd path takes 3x3 kernels, stride 1, padding 1, rows of at most {} pixels on an AVX-512 "
        "CPU; got {}x{}, stride {}, padding {}, width {}",
        kMaxWidth, d.KH, d.KW, d.S, d.P, d.W);
}
}  // namespace

namespace {

// The forward, or with flip the input gradient: the same convolution of dout with the
// kernel turned and its channels swapped (padding 1 keeps the planes' size either way).
void convolve(float* out, const float* in, const float* weight, bool flip, const float* bias,
              const Conv2dDims& d) {
    check_supported(d);
    const std::int64_t Ci = flip ? d.OC : d.C, Co = flip ? d.C : d.OC;
    std::vector<float> U(static_cast<std::size_t>(16 * Co * Ci));
    transform_weights(U.data(), weight, Co, Ci, flip);
    winograd_conv(out, in, U.data(), d.B, Ci, Co, Tiling(d.H, d.W), bias);
    count_as_im2col(d);
}

}  // namespace

void conv2d_winograd_forward(float* out, const float* inp, const float* weight, const float* bias,
                             const Conv2dDims& d) {
    convolve(out, inp, weight, false, bias, d);
}

void conv2d_winograd_backward_input(float* dinp, const float* dout, const float* weight,
                                    const Conv2dDims& d) {
    convolve(dinp, dout, weight, true, nullptr, d);
}

void conv2d_winograd_backward_weight(float* dweight, const float* dout, const float* inp,
                                     const Conv2dDims& d) {
    check_supported(d);
    const Tiling tl(d.H, d.W);
    const std::int64_t max_T = kImagesPerChunk * tl.per_image(),
                       chunks = (d.B + kImagesPerChunk - 1) / kImagesPerChunk;
    const std::int64_t z_size = 16 * d.OC * d.C;
    Storage parts(chunks * z_size);  // each chunk's sums, added in chunk order: any thread count, same bits
    ThreadScratch scratch(16 * (d.C + d.OC) * max_T);
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (std::int64_t ch = 0; ch < chunks; ++ch) {
        const std::int64_t b0 = ch * kImagesPerChunk, n = std::min(kImagesPerChunk, d.B - b0),
                           T = n * tl.per_image();
        float* V = scratch.mine();
        float* E = V + 16 * d.C * T;
        transform_input(V, inp + b0 * d.C * d.H * d.W, n, d.C, tl, T);
        transform_output_grad(E, dout + b0 * d.OC * d.H * d.W, n, d.OC, tl, T);
        for (int xi = 0; xi < 16; ++xi)
            gemm(false, true, d.OC, d.C, T, 1.0f, E + xi * d.OC * T, V + xi * d.C * T, 0.0f,
                 parts.data() + ch * z_size + xi * d.OC * d.C);
    }
    std::vector<float> Z(static_cast<std::size_t>(z_size), 0.0f);
    for (std::int64_t ch = 0; ch < chunks; ++ch)
        for (std::int64_t i = 0; i < z_size; ++i) Z[i] += parts.data()[ch * z_size + i];
    inverse_weight_transform(dweight, Z.data(), d.OC, d.C);
    count_as_im2col(d);
}

#else

bool conv2d_winograd_supported(const Conv2dDims&) { return false; }

namespace {
[[noreturn]] void unsupported() {
    throw Error("conv2d", "the Winograd path needs an x86-64 CPU with AVX-512 and a GCC-compatible compiler");
}
}  // namespace

void conv2d_winograd_forward(float*, const float*, const float*, const float*, const Conv2dDims&) {
    unsupported();
}
void conv2d_winograd_backward_input(float*, const float*, const float*, const Conv2dDims&) { unsupported(); }
void conv2d_winograd_backward_weight(float*, const float*, const float*, const Conv2dDims&) { unsupported(); }

#endif

}  // namespace nabla
