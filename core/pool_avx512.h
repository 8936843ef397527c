#pragma once
// The 2x2, stride-2 max pool (core/pool.h) of one plane with AVX-512, for planes up to 32
// pixels wide (the MNIST CNN's: 28 and 14). GCC vectorises the generic row loop only in
// blocks of 8 outputs, so rows of 14 and 7 outputs ran mostly or wholly scalar; here a
// row is two masked loads per input row, an even/odd split by permutes, and the window's
// rule as masked selects. The rule and the indices are the generic loop's: the first
// maximum in the order top-left, top-right, bottom-left, bottom-right wins, and a NaN wins
// and stays.
#include "core/pool.h"

namespace nabla {

// Pools one [H, W] plane into out and argmax ([OH, OW]) and returns true when the CPU
// has AVX-512 and W <= 32; otherwise returns false and writes nothing.
bool max_pool2x2_avx512(float* out, std::int32_t* argmax, const float* plane, const Pool2dDims& d);

}  // namespace nabla
