#pragma once
// Direct 2-d convolution with AVX-512 for stride 1, few taps per output (K = C*KH*KW <= 32:
// a grayscale or RGB first layer) and output rows of at most 32 pixels: the MNIST CNN's
// first layer (1 -> 32 channels, 3x3, 28x28). Its im2col product has K = 9: the packed
// kernel reloads and stores each output tile for 9 multiply-adds, and the weight gradient's
// product is 9 columns wide; both ran at 40-100 GFLOP/s on one core. Here an output row
// (one or two vectors) for 8 output channels stays in registers over every tap, and the
// weight gradient keeps one accumulator per (output channel, tap), reduced once per image.
// Masked loads give the zero padding: a masked-off lane never touches memory.
#include "core/conv.h"

namespace nabla {

// Whether the direct kernels below take d (the CPU has AVX-512 and d the shape above).
bool conv2d_direct_supported(const Conv2dDims& d);

// One image: y[OC, OH, OW] = conv(x[C, H, W], weight) + bias (bias may be null).
void conv2d_direct_image(float* y, const float* x, const float* weight, const float* bias,
                         const Conv2dDims& d);
// One image's weight gradient added into dweight[OC, C, KH, KW], given its g = dout[OC, OH, OW].
void conv2d_direct_weight_grad_image(float* dweight, const float* g, const float* x, const Conv2dDims& d);

}  // namespace nabla
