#pragma once
// 3x3 convolutions with stride 1 and padding 1 by Winograd's minimal filtering F(2x2, 3x3)
// (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", arXiv:1509.09308).
// Each 2x2 block of outputs is computed from the 4x4 input tile around it: the tile and
// the kernel are each transformed to 4x4 (V = B^T d B, U = G g G^T), multiplied element by
// element, summed over input channels, and transformed back (Y = A^T M A). The sums over
// channels are 16 matrix products [OC, C] x [C, tiles], one per element of the 4x4: 16
// multiplies per 2x2 outputs where im2col's product spends 36, 2.25 times fewer. The
// gradients are the same algorithm: the input's is this convolution of dout with the
// kernel flipped and its channels swapped; the kernel's is F(3x3, 2x2), the transpose of
// the forward (dW = G^T [sum over tiles (A dY A^T) * (B^T d B)] G). Results differ from
// im2col's by rounding only (the transforms add and halve exactly representable
// coefficients); the tests compare them with conv2d_reference.
#include "core/conv.h"

namespace nabla {

// The kernel's shape conditions: 3x3, stride 1, padding 1.
bool conv2d_winograd_applies(const Conv2dDims& d);
// Whether conv2d_forward and conv2d_backward take this path for d: those conditions, a
// batch of at least 8 images (the kernel's transform is not repaid by fewer), more than one
// input channel (one is direct convolution's case), rows of at most 14 pixels (a padded
// row is one vector) and a CPU with AVX-512.
bool conv2d_winograd_supported(const Conv2dDims& d);

// As conv2d_forward, and conv2d_backward's input and weight gradients (each overwritten).
// Any channel count; throws naming conv2d unless the other conditions above hold.
void conv2d_winograd_forward(float* out, const float* inp, const float* weight, const float* bias,
                             const Conv2dDims& d);
void conv2d_winograd_backward_input(float* dinp, const float* dout, const float* weight, const Conv2dDims& d);
void conv2d_winograd_backward_weight(float* dweight, const float* dout, const float* inp,
                                     const Conv2dDims& d);

}  // namespace nabla
