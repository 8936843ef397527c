#include "core/conv.h"

#include "core/blas.h"
#include "core/conv_columns_avx512.h"
#include "core/conv_direct_avx512.h"
#include "core/conv_winograd.h"
#include "core/error.h"
#include "core/simd.h"
#include "core/storage.h"
#include "core/thread_scratch.h"
#include "core/vector_sum.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

namespace nabla {

Conv2dDims make_conv2d_dims(std::int64_t B, std::int64_t C, std::int64_t H, std::int64_t W, std::int64_t OC,
                            std::int64_t KH, std::int64_t KW, std::int64_t S, std::int64_t P) {
    NABLA_CHECK(S >= 1 && P >= 0, "conv2d", "invalid stride {} or padding {}", S, P);
    NABLA_CHECK(H + 2 * P >= KH && W + 2 * P >= KW, "conv2d",
                "kernel {}x{} larger than the padded input {}x{} (padding {})", KH, KW, H + 2 * P, W + 2 * P,
                P);
    return {B, C, H, W, OC, KH, KW, S, P, (H + 2 * P - KH) / S + 1, (W + 2 * P - KW) / S + 1};
}

std::int64_t conv2d_product_flops(const Conv2dDims& d) {
    return 2 * d.B * d.OC * d.C * d.KH * d.KW * d.OH * d.OW;
}

std::pair<std::int64_t, std::int64_t> valid_ow(const Conv2dDims& d, std::int64_t kw) {
    std::int64_t lo = 0;
    while (lo < d.OW && lo * d.S - d.P + kw < 0) ++lo;
    std::int64_t hi = d.OW;
    while (hi > lo && (hi - 1) * d.S - d.P + kw >= d.W) --hi;
    return {lo, hi};
}

NABLA_HOT_LOOP void im2col(float* col, const float* img, const Conv2dDims& d) {
    if (im2col_avx512(col, img, d)) return;
    // Row r = (c, kh, kw) of col holds, for every output pixel, the input it multiplies.
    const std::int64_t ld = d.OH * d.OW;
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

NABLA_HOT_LOOP void col2im_add(float* img, const float* col, const Conv2dDims& d) {
    if (col2im_add_avx512(img, col, d)) return;
    const std::int64_t ld = d.OH * d.OW;
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

// Image by image: each image's columns are built in a per-thread buffer small enough to
// stay in cache, multiplied there, and never written to memory as a whole batch; the
// product lands directly in the output's [OC, N] block. Images are split over OpenMP
// threads (static schedule, one OpenBLAS call per image on the calling thread). Backward
// rebuilds the columns the same way instead of keeping the batch's (14 MB for a batch of
// 64 in the MNIST CNN's second layer): rebuilding in cache is cheaper than a round trip
// through memory.

namespace {

// Images per backward chunk: weight and bias gradients are summed per chunk, then the
// chunks in order, so the result does not depend on the thread count.
constexpr std::int64_t kImagesPerChunk = 4;

}  // namespace

void conv2d_forward(float* out, const float* inp, const float* weight, const float* bias,
                    const Conv2dDims& d) {
    if (conv2d_direct_supported(d)) {
        count_gemm_flops(conv2d_product_flops(d));
#pragma omp parallel for schedule(static) if (d.B > 1)
        for (std::int64_t b = 0; b < d.B; ++b)
            conv2d_direct_image(out + b * d.OC * d.OH * d.OW, inp + b * d.C * d.H * d.W, weight, bias, d);
        return;
    }
    if (conv2d_winograd_supported(d)) return conv2d_winograd_forward(out, inp, weight, bias, d);
    const std::int64_t K = d.C * d.KH * d.KW, N = d.OH * d.OW;
    ThreadScratch buffers(d.col_size());      // one image's [K, N] columns per thread
    const GemmLhs w(false, d.OC, K, weight);  // packed once for every image
    // A single image runs outside a parallel region, so its sgemm may use every thread.
#pragma omp parallel for schedule(static) if (d.B > 1)
    for (std::int64_t b = 0; b < d.B; ++b) {
        float* col = buffers.mine();
        float* y = out + b * d.OC * N;
        im2col(col, inp + b * d.C * d.H * d.W, d);
        gemm(w, false, N, 1.0f, col, 0.0f, y);
        if (bias)
            for (std::int64_t oc = 0; oc < d.OC; ++oc)
                for (std::int64_t i = 0; i < N; ++i) y[oc * N + i] += bias[oc];
    }
}

namespace {

// dbias[oc] = the sum of dout's plane oc over the batch: each image's plane in float, the
// images of a chunk and then the chunks in order in double, so any thread count gives the
// same bits.
NABLA_HOT_LOOP void bias_gradient(float* dbias, const float* dout, const Conv2dDims& d) {
    const std::int64_t N = d.OH * d.OW, chunks = (d.B + kImagesPerChunk - 1) / kImagesPerChunk;
    std::vector<double> parts(static_cast<std::size_t>(chunks * d.OC), 0.0);
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (std::int64_t c = 0; c < chunks; ++c)
        for (std::int64_t b = c * kImagesPerChunk; b < std::min(d.B, (c + 1) * kImagesPerChunk); ++b)
            for (std::int64_t oc = 0; oc < d.OC; ++oc)
                parts[static_cast<std::size_t>(c * d.OC + oc)] += sum_floats(dout + (b * d.OC + oc) * N, N);
    for (std::int64_t oc = 0; oc < d.OC; ++oc) {
        double acc = 0.0;
        for (std::int64_t c = 0; c < chunks; ++c) acc += parts[static_cast<std::size_t>(c * d.OC + oc)];
        dbias[oc] = static_cast<float>(acc);
    }
}

}  // namespace

void conv2d_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                     const float* weight, const Conv2dDims& d) {
    if (conv2d_winograd_supported(d)) {
        if (dinp) conv2d_winograd_backward_input(dinp, dout, weight, d);
        if (dweight) conv2d_winograd_backward_weight(dweight, dout, inp, d);
        if (dbias) bias_gradient(dbias, dout, d);
        return;
    }
    // Per image b, with G = dout[b] as [OC, N] and col = im2col(inp[b]):
    //   dweight += G x col^T;  dbias += row sums of G;  dinp[b] = col2im(weight^T x G).
    const std::int64_t K = d.C * d.KH * d.KW, N = d.OH * d.OW;
    const std::int64_t chunks = (d.B + kImagesPerChunk - 1) / kImagesPerChunk;
    const bool direct = conv2d_direct_supported(d);  // the weight gradient without columns
    ThreadScratch buffers(2 * d.col_size());         // columns and their gradient per thread
    Storage dw_parts(dweight ? chunks * d.OC * K : 0);
    std::optional<GemmLhs> w_t;  // weight^T, packed once for every image
    if (dinp) w_t.emplace(true, K, d.OC, weight);
    if (dweight && direct) count_gemm_flops(conv2d_product_flops(d));  // gemm counts the rest
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (std::int64_t c = 0; c < chunks; ++c) {
        float* col = buffers.mine();
        float* dcol = col + K * N;
        for (std::int64_t b = c * kImagesPerChunk; b < std::min(d.B, (c + 1) * kImagesPerChunk); ++b) {
            const float* g = dout + b * d.OC * N;
            float* dw_part = dw_parts.data() + c * d.OC * K;
            const bool first = b == c * kImagesPerChunk;
            if (dweight && direct) {
                if (first) std::fill_n(dw_part, d.OC * K, 0.0f);
                conv2d_direct_weight_grad_image(dw_part, g, inp + b * d.C * d.H * d.W, d);
            } else if (dweight) {
                im2col(col, inp + b * d.C * d.H * d.W, d);
                gemm(false, true, d.OC, K, N, 1.0f, g, col, first ? 0.0f : 1.0f, dw_part);
            }
            if (dinp) {
                gemm(*w_t, false, N, 1.0f, g, 0.0f, dcol);
                float* img = dinp + b * d.C * d.H * d.W;
                std::fill_n(img, d.C * d.H * d.W, 0.0f);
                col2im_add(img, dcol, d);
            }
        }
    }
    if (dweight) {  // chunk sums in chunk order; an empty batch has none and a zero gradient
        const float* parts = dw_parts.data();
        std::fill_n(dweight, d.OC * K, 0.0f);
        for (std::int64_t c = 0; c < chunks; ++c)
            for (std::int64_t i = 0; i < d.OC * K; ++i) dweight[i] += parts[c * d.OC * K + i];
    }
    if (dbias) bias_gradient(dbias, dout, d);
}

void conv2d_reference(float* out, const float* inp, const float* weight, const float* bias,
                      const Conv2dDims& d) {
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

void conv2d_backward_reference(float* dinp, float* dweight, const float* dout, const float* inp,
                               const float* weight, const Conv2dDims& d) {
    // Every (output, tap) pair adds dout * weight to dinp and dout * inp to dweight.
    std::vector<double> di(dinp ? static_cast<std::size_t>(d.B * d.C * d.H * d.W) : 0, 0.0);
    std::vector<double> dw(dweight ? static_cast<std::size_t>(d.OC * d.C * d.KH * d.KW) : 0, 0.0);
    for (std::int64_t b = 0; b < d.B; ++b)
        for (std::int64_t oc = 0; oc < d.OC; ++oc)
            for (std::int64_t oh = 0; oh < d.OH; ++oh)
                for (std::int64_t ow = 0; ow < d.OW; ++ow) {
                    const double g = dout[((b * d.OC + oc) * d.OH + oh) * d.OW + ow];
                    for (std::int64_t c = 0; c < d.C; ++c)
                        for (std::int64_t kh = 0; kh < d.KH; ++kh)
                            for (std::int64_t kw = 0; kw < d.KW; ++kw) {
                                const std::int64_t ih = oh * d.S - d.P + kh, iw = ow * d.S - d.P + kw;
                                if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) continue;
                                const std::int64_t i = ((b * d.C + c) * d.H + ih) * d.W + iw,
                                                   k = ((oc * d.C + c) * d.KH + kh) * d.KW + kw;
                                if (dinp) di[static_cast<std::size_t>(i)] += g * weight[k];
                                if (dweight) dw[static_cast<std::size_t>(k)] += g * inp[i];
                            }
                }
    std::copy(di.begin(), di.end(), dinp);
    std::copy(dw.begin(), dw.end(), dweight);
}

}  // namespace nabla
