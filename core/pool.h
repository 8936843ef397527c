#pragma once
// 2-d pooling over [B,C,H,W] with a KxK window, stride S and padding P.
// Max pooling: padding never wins (it behaves as -inf); the argmax of each output is
// saved as a flat index into its input plane, so the backward is a scatter.
// Average pooling: the window's sum over its divisor, K*K when padding counts as zeros
// (count_include_pad, PyTorch's default) or the number of real inputs otherwise; the
// backward spreads dout / divisor over the window.
#include <cstdint>

namespace nabla {

struct Pool2dDims {
    std::int64_t B, C, H, W, K, S, P, OH, OW;
};

// `op` names the caller in the errors for a window that does not fit.
Pool2dDims make_pool2d_dims(std::int64_t B, std::int64_t C, std::int64_t H, std::int64_t W, std::int64_t K,
                            std::int64_t S, std::int64_t P, const char* op = "max_pool2d");

// out and argmax are [B,C,OH,OW].
void max_pool2d_forward(float* out, std::int32_t* argmax, const float* inp, const Pool2dDims& d);
// dinp[B,C,H,W] = scatter of dout to the saved argmax positions (overwrites dinp).
void max_pool2d_backward(float* dinp, const float* dout, const std::int32_t* argmax, const Pool2dDims& d);

// out[B,C,OH,OW] = window averages of inp[B,C,H,W].
void avg_pool2d_forward(float* out, const float* inp, const Pool2dDims& d, bool count_include_pad);
// dinp[B,C,H,W] = sum over the windows covering each input of dout / divisor (overwrites dinp).
void avg_pool2d_backward(float* dinp, const float* dout, const Pool2dDims& d, bool count_include_pad);
// Single-threaded loops straight from the definition, the references for tests.
void avg_pool2d_forward_reference(float* out, const float* inp, const Pool2dDims& d, bool count_include_pad);
void avg_pool2d_backward_reference(float* dinp, const float* dout, const Pool2dDims& d,
                                   bool count_include_pad);

}  // namespace nabla
