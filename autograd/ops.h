#pragma once
// The differentiable ops. Each validates shapes (throwing nabla::Error naming the op
// and the shapes), computes with a core kernel, and records one tape entry when an
// input requires grad. Binary elementwise ops broadcast with NumPy rules.
#include "core/tensor.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace nabla {

// --- elementwise (ops_elementwise.cpp) ---
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, float s);
Tensor mul(const Tensor& a, float s);
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor pow(const Tensor& x, float exponent);
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& x) { return neg(x); }
inline Tensor operator+(const Tensor& a, float s) { return add(a, s); }
inline Tensor operator+(float s, const Tensor& a) { return add(a, s); }
inline Tensor operator-(const Tensor& a, float s) { return add(a, -s); }
inline Tensor operator-(float s, const Tensor& a) { return add(neg(a), s); }
inline Tensor operator*(const Tensor& a, float s) { return mul(a, s); }
inline Tensor operator*(float s, const Tensor& a) { return mul(a, s); }
inline Tensor operator/(const Tensor& a, float s) { return mul(a, 1.0f / s); }

// --- reductions (ops_reduce.cpp); dims may be negative ---
Tensor sum(const Tensor& x);  // all elements -> shape []
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim = false);
Tensor max(const Tensor& x);  // gradient flows to the first maximum
Tensor max(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim = false);
// Index of the maximum along `dim` (as float values; not differentiable).
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);

// --- matrix products (ops_matmul.cpp) ---
// [M,K] x [K,N] -> [M,N]; [B,M,K] x [B,K,N] -> [B,M,N]; [B,M,K] x [K,N] -> [B,M,N].
Tensor matmul(const Tensor& a, const Tensor& b);
// y[N,out] = x[N,in] weight[out,in]^T + bias[out] (bias may be undefined).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// --- convolution and pooling (ops_conv.cpp) ---
// x [B,C,H,W], weight [OC,C,KH,KW], bias [OC] or undefined -> [B,OC,OH,OW].
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), std::int64_t stride = 1,
              std::int64_t padding = 0);
// stride 0 means stride = kernel_size, as in PyTorch.
Tensor max_pool2d(const Tensor& x, std::int64_t kernel_size, std::int64_t stride = 0,
                  std::int64_t padding = 0);
// Window averages; padding counts as zeros in the divisor unless count_include_pad is
// false (then each window divides by its real inputs). stride 0 means kernel_size.
Tensor avg_pool2d(const Tensor& x, std::int64_t kernel_size, std::int64_t stride = 0,
                  std::int64_t padding = 0, bool count_include_pad = true);

// --- shape ops that copy (ops_shape.cpp); dims may be negative ---
// dim0 and dim1 swapped: [.., A, .., B, ..] -> [.., B, .., A, ..].
Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1);
// Joined along `dim`: every other size must agree (at most GradMask::max_inputs tensors).
Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim = 0);

// --- softmax and losses (ops_loss.cpp) ---
Tensor log_softmax(const Tensor& x, std::int64_t dim = -1);  // x is [N, C], dim 1 (or -1)
enum class Reduction { mean, sum, none };
// logits [N, C]; labels [N] holding class indices 0..C-1 as floats (checked).
Tensor cross_entropy(const Tensor& logits, const Tensor& labels, Reduction reduction = Reduction::mean);

// --- batch normalisation (ops_batch_norm.cpp) ---
// What batch_norm normalises with, and whether it folds this batch into the running
// statistics. The caller decides both (a BatchNorm layer from its mode and
// track_running_stats); the op checks that it can do as told, and does.
struct BatchNormArgs {
    // Normalise with this batch's mean and biased variance; false: with running_mean and
    // running_var, which must then be given.
    bool use_batch_stats = true;
    // With use_batch_stats, fold the batch statistics into running_mean and running_var
    // when they are given, in place and with the unbiased variance:
    //   running = (1 - momentum) * running + momentum * batch_stat.
    // Without batch statistics there is nothing to fold in, and the flag has no effect.
    bool update_running_stats = true;
    float momentum = 0.1f;  // weight of the new batch in the running estimates
    float eps = 1e-5f;
};
// Throws, naming `where`, unless eps > 0 and momentum is in [0, 1]: batch_norm checks its
// arguments with it, a BatchNorm layer its options when it is built.
void check_batch_norm_args(const BatchNormArgs& args, std::string_view where);
// x [N,C], [N,C,L] or [N,C,H,W]; gamma, beta, running_mean, running_var are [C] or
// undefined (the running pair together). Batch statistics need more than one value per
// channel. One fused tape entry, closed-form backward.
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, const BatchNormArgs& args = {});
// relu(batch_norm(...)) as one tape entry: one pass over the activation forward and none
// for the ReLU backward, which BN's backward applies as it reads the gradient; the same
// bits as the two ops. Traced (ONNX export), it records the two ops.
Tensor batch_norm_relu(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                       const Tensor& running_var, const BatchNormArgs& args = {});

}  // namespace nabla
