#pragma once
// 2-d max pooling over [B,C,H,W] with a KxK window, stride S and padding P (padding
// never wins: it behaves as -inf). The argmax of each output is saved as a flat index
// into its input plane, so the backward is a scatter.
#include <cstdint>

namespace nabla {

struct Pool2dDims {
    std::int64_t B, C, H, W, K, S, P, OH, OW;
};

Pool2dDims make_pool2d_dims(std::int64_t B, std::int64_t C, std::int64_t H, std::int64_t W, std::int64_t K,
                            std::int64_t S, std::int64_t P);

// out and argmax are [B,C,OH,OW].
void max_pool2d_forward(float* out, std::int32_t* argmax, const float* inp, const Pool2dDims& d);
// dinp[B,C,H,W] = scatter of dout to the saved argmax positions (overwrites dinp).
void max_pool2d_backward(float* dinp, const float* dout, const std::int32_t* argmax, const Pool2dDims& d);

}  // namespace nabla
