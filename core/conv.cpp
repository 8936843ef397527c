#include "core/conv.h"

#include "core/blas.h"
#include "core/error.h"

#include <algorithm>
#include <cstring>

namespace nabla {

Conv2dDims make_conv2d_dims(std::int64_t B, std::int64_t C, std::int64_t H, std::int64_t W, std::int64_t OC,
                            std::int64_t KH, std::int64_t KW, std::int64_t S, std::int64_t P) {
    NABLA_CHECK(S >= 1 && P >= 0, "conv2d", "invalid stride {} or padding {}", S, P);
    NABLA_CHECK(H + 2 * P >= KH && W + 2 * P >= KW, "conv2d",
                "kernel {}x{} larger than the padded input {}x{} (padding {})", KH, KW, H + 2 * P, W + 2 * P, P);
    return {B, C, H, W, OC, KH, KW, S, P, (H + 2 * P - KH) / S + 1, (W + 2 * P - KW) / S + 1};
}

void im2col(float* col, const float* img, const Conv2dDims& d) {
    // Row r = (c, kh, kw) of col holds, for every output pixel, the input it multiplies.
    for (std::int64_t c = 0; c < d.C; ++c)
        for (std::int64_t kh = 0; kh < d.KH; ++kh)
            for (std::int64_t kw = 0; kw < d.KW; ++kw) {
                float* row = col + ((c * d.KH + kh) * d.KW + kw) * d.OH * d.OW;
                const float* plane = img + c * d.H * d.W;
                for (std::int64_t oh = 0; oh < d.OH; ++oh) {
                    const std::int64_t ih = oh * d.S - d.P + kh;
                    float* dst = row + oh * d.OW;
                    if (ih < 0 || ih >= d.H) {
                        std::fill_n(dst, d.OW, 0.0f);
                        continue;
                    }
                    const float* src = plane + ih * d.W;
                    for (std::int64_t ow = 0; ow < d.OW; ++ow) {
                        const std::int64_t iw = ow * d.S - d.P + kw;
                        dst[ow] = iw >= 0 && iw < d.W ? src[iw] : 0.0f;
                    }
                }
            }
}

void col2im_add(float* img, const float* col, const Conv2dDims& d) {
    for (std::int64_t c = 0; c < d.C; ++c)
        for (std::int64_t kh = 0; kh < d.KH; ++kh)
            for (std::int64_t kw = 0; kw < d.KW; ++kw) {
                const float* row = col + ((c * d.KH + kh) * d.KW + kw) * d.OH * d.OW;
                float* plane = img + c * d.H * d.W;
                for (std::int64_t oh = 0; oh < d.OH; ++oh) {
                    const std::int64_t ih = oh * d.S - d.P + kh;
                    if (ih < 0 || ih >= d.H) continue;
                    const float* src = row + oh * d.OW;
                    float* dst = plane + ih * d.W;
                    for (std::int64_t ow = 0; ow < d.OW; ++ow) {
                        const std::int64_t iw = ow * d.S - d.P + kw;
                        if (iw >= 0 && iw < d.W) dst[iw] += src[ow];
                    }
                }
            }
}

void conv2d_forward(float* out, const float* inp, const float* weight, const float* bias, const Conv2dDims& d,
                    float* col) {
    // Per image: out[OC, OH*OW] = weight[OC, C*KH*KW] x col[C*KH*KW, OH*OW] (+ bias per row).
    const std::int64_t K = d.C * d.KH * d.KW, N = d.OH * d.OW;
    for (std::int64_t b = 0; b < d.B; ++b) {
        float* o = out + b * d.OC * N;
        if (bias) {
            for (std::int64_t oc = 0; oc < d.OC; ++oc) std::fill_n(o + oc * N, N, bias[oc]);
        }
        im2col(col, inp + b * d.C * d.H * d.W, d);
        gemm(false, false, d.OC, N, K, 1.0f, weight, col, bias ? 1.0f : 0.0f, o);
    }
}

void conv2d_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                     const float* weight, const Conv2dDims& d, float* col) {
    // dweight = sum_b dout_b[OC,N] x col_b^T;  dcol_b = weight^T x dout_b;  dinp_b = col2im(dcol_b);
    // dbias = sum of dout over batch and pixels.
    const std::int64_t K = d.C * d.KH * d.KW, N = d.OH * d.OW;
    if (dbias) {
        std::fill_n(dbias, d.OC, 0.0f);
        for (std::int64_t b = 0; b < d.B; ++b)
            for (std::int64_t oc = 0; oc < d.OC; ++oc) {
                const float* g = dout + (b * d.OC + oc) * N;
                float acc = 0.0f;
                for (std::int64_t i = 0; i < N; ++i) acc += g[i];
                dbias[oc] += acc;
            }
    }
    if (dinp) std::fill_n(dinp, d.B * d.C * d.H * d.W, 0.0f);
    if (dweight) std::fill_n(dweight, d.OC * K, 0.0f);
    for (std::int64_t b = 0; b < d.B; ++b) {
        const float* g = dout + b * d.OC * N;
        if (dweight) {
            im2col(col, inp + b * d.C * d.H * d.W, d);
            gemm(false, true, d.OC, K, N, 1.0f, g, col, 1.0f, dweight);
        }
        if (dinp) {
            gemm(true, false, K, N, d.OC, 1.0f, weight, g, 0.0f, col);
            col2im_add(dinp + b * d.C * d.H * d.W, col, d);
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
