#pragma once
// Fused batch normalisation kernels (Ioffe & Szegedy 2015, arXiv:1502.03167).
// x is viewed as [N, C, S]: S = 1 for [N, C], L for [N, C, L], H*W for [N, C, H, W];
// every statistic is per channel c over its m = N*S values.
#include <cstdint>

namespace nabla {

struct BatchNormDims {
    std::int64_t N, C, S;
    std::int64_t m() const { return N * S; }
};

// Per-channel mean and biased variance (divide by m), accumulated in double.
void batch_norm_statistics(float* mean, float* var, const float* x, const BatchNormDims& d);
// y = gamma * (x - mean) * invstd + beta; gamma and beta may be null (affine=false).
// With relu, y = max(that, 0) in the same pass (a ReLU after BN, fused: one pass over the
// activation instead of two; the same bits as the two ops).
void batch_norm_forward(float* y, const float* x, const float* mean, const float* invstd, const float* gamma,
                        const float* beta, const BatchNormDims& d, bool relu = false);
// With g = dy and x_hat = (x - mean) * invstd, per channel:
//   dbeta  = sum(g)
//   dgamma = sum(g * x_hat)
//   dx     = gamma * invstd * (g - mean(g) - x_hat * mean(g * x_hat))   if use_batch_stats
//   dx     = gamma * invstd * g                                          otherwise (eval:
//            mean and invstd are constants, so the two mean terms vanish).
// Two passes over the data. dx, dgamma, dbeta may each be null; gamma null means 1.
// With relu, BN is the first half of the fused forward above: g = dy where that forward's
// pre-ReLU value x * scale + shift (recomputed here from the same mean, invstd, gamma and
// beta, so the same bits) is > 0, and 0 elsewhere: ReLU's backward in the same passes,
// without reading the ReLU's output (one stream fewer in each pass). beta null means 0.
void batch_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                         const float* mean, const float* invstd, const float* gamma, const BatchNormDims& d,
                         bool use_batch_stats, bool relu = false, const float* beta = nullptr);

}  // namespace nabla
