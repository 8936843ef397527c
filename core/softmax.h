#pragma once
// Row-wise log-softmax and the fused softmax-cross-entropy over [N, C] logits.
#include <cstdint>

namespace nabla {

// y[n, :] = x[n, :] - logsumexp(x[n, :]), computed with the row max subtracted.
void log_softmax_forward(float* y, const float* x, std::int64_t N, std::int64_t C);
// dx = dy - softmax(x) * sum(dy) per row, given y = log_softmax(x).
void log_softmax_backward(float* dx, const float* dy, const float* y, std::int64_t N, std::int64_t C);

// losses[n] = -log_softmax(x)[n, label[n]]; also writes the softmax probabilities
// (the backward needs only them). Labels must already be validated in [0, C).
void cross_entropy_forward(float* losses, float* probs, const float* logits, const std::int64_t* labels,
                           std::int64_t N, std::int64_t C);
// dlogits[n, c] = scale[n] * (probs[n, c] - [c == label[n]]).
void cross_entropy_backward(float* dlogits, const float* probs, const std::int64_t* labels,
                            const float* scale, std::int64_t N, std::int64_t C);

}  // namespace nabla
