#include "core/conv.h"

#include "core/blas.h"
#include "core/error.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace nabla {

Conv2dDims make_conv2d_dims(std::int64_t B, std::int64_t C, std::int64_t H, std::int64_t W, std::int64_t OC,
                            std::int64_t KH, std::int64_t KW, std::int64_t S, std::int64_t P) {
    NABLA_CHECK(S >= 1 && P >= 0, "conv2d", "invalid stride {} or padding {}", S, P);
    NABLA_CHECK(H + 2 * P >= KH && W + 2 * P >= KW, "conv2d",
                "kernel {}x{} larger than the padded input {}x{} (padding {})", KH, KW, H + 2 * P, W + 2 * P, P);
    return {B, C, H, W, OC, KH, KW, S, P, (H + 2 * P - KH) / S + 1, (W + 2 * P - KW) / S + 1};
}

namespace {

// Output columns ow whose input column iw = ow*S - P + kw lies inside [0, W): [lo, hi).
std::pair<std::int64_t, std::int64_t> valid_ow(const Conv2dDims& d, std::int64_t kw) {
    std::int64_t lo = 0;
    while (lo < d.OW && lo * d.S - d.P + kw < 0) ++lo;
    std::int64_t hi = d.OW;
    while (hi > lo && (hi - 1) * d.S - d.P + kw >= d.W) --hi;
    return {lo, hi};
}

}  // namespace

void im2col(float* col, const float* img, const Conv2dDims& d, std::int64_t ld) {
    // Row r = (c, kh, kw) of col holds, for every output pixel, the input it multiplies.
    if (ld < 0) ld = d.OH * d.OW;
    for (std::int64_t c = 0; c < d.C; ++c)
        for (std::int64_t kh = 0; kh < d.KH; ++kh)
            for (std::int64_t kw = 0; kw < d.KW; ++kw) {
                float* row = col + ((c * d.KH + kh) * d.KW + kw) * ld;
                const float* plane = img + c * d.H * d.W;
                const auto [lo, hi] = valid_ow(d, kw);
                for (std::int64_t oh = 0; oh < d.OH; ++oh) {
                    const std::int64_t ih = oh * d.S - d.P + kh;
                    float* dst = row + oh * d.OW;
                    if (ih < 0 || ih >= d.H) {
                        std::fill_n(dst, d.OW, 0.0f);
                        continue;
                    }
                    const float* src = plane + ih * d.W - d.P + kw;
                    std::fill_n(dst, lo, 0.0f);
                    if (d.S == 1)
                        std::copy(src + lo, src + hi, dst + lo);
                    else
                        for (std::int64_t ow = lo; ow < hi; ++ow) dst[ow] = src[ow * d.S];
                    std::fill(dst + hi, dst + d.OW, 0.0f);
                }
            }
}

void col2im_add(float* img, const float* col, const Conv2dDims& d, std::int64_t ld) {
    if (ld < 0) ld = d.OH * d.OW;
    for (std::int64_t c = 0; c < d.C; ++c)
        for (std::int64_t kh = 0; kh < d.KH; ++kh)
            for (std::int64_t kw = 0; kw < d.KW; ++kw) {
                const float* row = col + ((c * d.KH + kh) * d.KW + kw) * ld;
                float* plane = img + c * d.H * d.W;
                const auto [lo, hi] = valid_ow(d, kw);
                for (std::int64_t oh = 0; oh < d.OH; ++oh) {
                    const std::int64_t ih = oh * d.S - d.P + kh;
                    if (ih < 0 || ih >= d.H) continue;
                    const float* src = row + oh * d.OW;
                    float* dst = plane + ih * d.W - d.P + kw;
                    if (d.S == 1)
                        for (std::int64_t ow = lo; ow < hi; ++ow) dst[ow] += src[ow];
                    else
                        for (std::int64_t ow = lo; ow < hi; ++ow) dst[ow * d.S] += src[ow];
                }
            }
}

// The batch's work is split by image over the OpenMP threads with a static schedule:
// every image writes only its own columns (or its own input gradient), so the result
// does not depend on the thread count. sgemm runs outside these regions, on OpenBLAS's
// own threads.

void conv2d_forward(float* out, const float* inp, const float* weight, const float* bias, const Conv2dDims& d,
                    float* col, float* rows) {
    // rows[OC, B*N] = weight[OC, K] x col[K, B*N], then each image's [OC, N] block (+ bias)
    // is copied out to out[B, OC, N].
    const std::int64_t K = d.C * d.KH * d.KW, N = d.OH * d.OW, BN = d.B * N;
#pragma omp parallel for schedule(static)
    for (std::int64_t b = 0; b < d.B; ++b) im2col(col + b * N, inp + b * d.C * d.H * d.W, d, BN);
    gemm(false, false, d.OC, BN, K, 1.0f, weight, col, 0.0f, rows);
#pragma omp parallel for schedule(static)
    for (std::int64_t b = 0; b < d.B; ++b)
        for (std::int64_t oc = 0; oc < d.OC; ++oc) {
            const float* src = rows + oc * BN + b * N;
            float* dst = out + (b * d.OC + oc) * N;
            const float bv = bias ? bias[oc] : 0.0f;
            for (std::int64_t i = 0; i < N; ++i) dst[i] = src[i] + bv;
        }
}

void conv2d_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* col,
                     const float* weight, const Conv2dDims& d, float* rows, float* dcol) {
    // With G = dout rearranged to [OC, B*N]:
    //   dweight[OC, K] = G x col^T;  dbias = row sums of G;
    //   dcol[K, B*N] = weight^T x G;  dinp = col2im(dcol), image by image.
    const std::int64_t K = d.C * d.KH * d.KW, N = d.OH * d.OW, BN = d.B * N;
#pragma omp parallel for schedule(static)
    for (std::int64_t oc = 0; oc < d.OC; ++oc)
        for (std::int64_t b = 0; b < d.B; ++b) std::copy_n(dout + (b * d.OC + oc) * N, N, rows + oc * BN + b * N);
    if (dbias) {
#pragma omp parallel for schedule(static)
        for (std::int64_t oc = 0; oc < d.OC; ++oc) {
            double acc = 0.0;
            for (std::int64_t b = 0; b < d.B; ++b) {
                const float* g = rows + oc * BN + b * N;
                float part = 0.0f;
                for (std::int64_t i = 0; i < N; ++i) part += g[i];
                acc += part;
            }
            dbias[oc] = static_cast<float>(acc);
        }
    }
    if (dweight) gemm(false, true, d.OC, K, BN, 1.0f, rows, col, 0.0f, dweight);
    if (dinp) {
        gemm(true, false, K, BN, d.OC, 1.0f, weight, rows, 0.0f, dcol);
#pragma omp parallel for schedule(static)
        for (std::int64_t b = 0; b < d.B; ++b) {
            float* img = dinp + b * d.C * d.H * d.W;
            std::fill_n(img, d.C * d.H * d.W, 0.0f);
            col2im_add(img, dcol + b * N, d, BN);
        }
    }
}

void conv2d_reference(float* out, const float* inp, const float* weight, const float* bias, const Conv2dDims& d) {
    for (std::int64_t b = 0; b < d.B; ++b)
        for (std::int64_t oc = 0; oc < d.OC; ++oc)
            for (std::int64_t oh = 0; oh < d.OH; ++oh)
                for (std::int64_t ow = 0; ow < d.OW; ++ow) {
                    double acc = bias ? bias[oc] : 0.0;
                    for (std::int64_t c = 0; c < d.C; ++c)
                        for (std::int64_t kh = 0; kh < d.KH; ++kh)
                            for (std::int64_t kw = 0; kw < d.KW; ++kw) {
                                const std::int64_t ih = oh * d.S - d.P + kh, iw = ow * d.S - d.P + kw;
                                if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) continue;
                                acc += double(inp[((b * d.C + c) * d.H + ih) * d.W + iw]) *
                                       weight[((oc * d.C + c) * d.KH + kh) * d.KW + kw];
                            }
                    out[((b * d.OC + oc) * d.OH + oh) * d.OW + ow] = static_cast<float>(acc);
                }
}

}  // namespace nabla
