#pragma once
// 2-d convolution: by im2col + sgemm in general; conv2d_forward and conv2d_backward send
// stride-1 layers with few taps to a direct kernel (core/conv_direct_avx512.h) and 3x3
// stride-1 padding-1 layers to Winograd F(2x2, 3x3) (core/conv_winograd.h) where those
// apply (AVX-512 CPUs, the shapes their headers give).
//
// Legend: B batch, C input channels, H W input height/width, OC output channels,
// KH KW kernel height/width, S stride, P zero padding, OH OW output height/width.
// Layouts: input [B,C,H,W], weight [OC,C,KH,KW], bias [OC], output [B,OC,OH,OW].
// K = C*KH*KW, N = OH*OW. One image's columns are [K, N], and one sgemm per image
// multiplies them by the weight viewed as [OC, K].
#include <cstdint>
#include <utility>

namespace nabla {

struct Conv2dDims {
    std::int64_t B, C, H, W, OC, KH, KW, S, P, OH, OW;
    std::int64_t col_size() const { return C * KH * KW * OH * OW; }  // one image's [K, N]
};

// Fills in OH and OW; throws naming "conv2d" when the kernel does not fit.
Conv2dDims make_conv2d_dims(std::int64_t B, std::int64_t C, std::int64_t H, std::int64_t W, std::int64_t OC,
                            std::int64_t KH, std::int64_t KW, std::int64_t S, std::int64_t P);

// The FLOPs of one of the batch's three im2col products (forward, input gradient, weight
// gradient): what gemm_flop_count adds for a product computed another way.
std::int64_t conv2d_product_flops(const Conv2dDims& d);

// Output columns ow whose input column iw = ow*S - P + kw lies inside [0, W): [lo, hi).
std::pair<std::int64_t, std::int64_t> valid_ow(const Conv2dDims& d, std::int64_t kw);

// col[C*KH*KW, OH*OW] <- one image [C,H,W]; zero where the window hangs over the padding.
void im2col(float* col, const float* img, const Conv2dDims& d);
// img[C,H,W] += the columns scattered back (the adjoint of im2col).
void col2im_add(float* img, const float* col, const Conv2dDims& d);

// out = conv(inp, weight) + bias; bias may be null.
void conv2d_forward(float* out, const float* inp, const float* weight, const float* bias,
                    const Conv2dDims& d);
// The gradients of conv2d_forward given dout and the same inp and weight. Any of dinp,
// dweight, dbias may be null (not needed); the others are overwritten.
void conv2d_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                     const float* weight, const Conv2dDims& d);
// The direct seven-loop convolution and its gradients (dinp, dweight: either may be null),
// accumulated in double: the references for tests.
void conv2d_reference(float* out, const float* inp, const float* weight, const float* bias,
                      const Conv2dDims& d);
void conv2d_backward_reference(float* dinp, float* dweight, const float* dout, const float* inp,
                               const float* weight, const Conv2dDims& d);

}  // namespace nabla
