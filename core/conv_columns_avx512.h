#pragma once
// im2col and col2im_add (core/conv.h) with AVX-512 masked loads, for stride 1 and rows of
// at most 16 pixels (the MNIST CNN's second layer: 14). The generic loops spend a memmove
// call and two fills per 14-float row, and their bounds arithmetic per row: building and
// scattering columns took 0.6 + 0.5 ms of each 64-image pass on one core, as long as a
// third of the layer's products. Here a row is one masked load and one store, with the
// masks worked out once per kernel column; a masked-off lane never touches memory, so rows
// at the image's edge read nothing outside it. The values, and the order of col2im's
// additions, are the generic loops' own: both give the same bits.
#include "core/conv.h"

namespace nabla {

// Do the work and return true when the CPU has AVX-512 and d has stride 1 and rows of at
// most 16 (output rows for im2col, input rows and KW for col2im); otherwise
// return false and leave col (or img) untouched.
bool im2col_avx512(float* col, const float* img, const Conv2dDims& d);
bool col2im_add_avx512(float* img, const float* col, const Conv2dDims& d);

}  // namespace nabla
