// log_softmax and the fused softmax + cross-entropy loss.
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "autograd/trace.h"
#include "core/error.h"
#include "core/softmax.h"

#include <cmath>
#include <memory>

namespace nabla {

Tensor log_softmax(const Tensor& x, std::int64_t dim) {
    NABLA_CHECK(x.defined() && x.dim() == 2, "log_softmax", "expects [N, C], got {}", describe(x));
    NABLA_CHECK(x.shape().wrap_dim(dim, "log_softmax") == 1, "log_softmax",
                "only dim 1 (the class dimension of [N, C]) is supported, got {}", dim);
    const std::int64_t N = x.size(0), C = x.size(1);
    Tensor y = empty(x.shape());
    log_softmax_forward(y.data(), x.data(), N, C);
    if (needs_grad({&x}))
        record("log_softmax", {&x}, y, [sy = SavedTensor(y), N, C](const Tensor& g, const GradMask&) {
            Tensor dx = empty({N, C});
            log_softmax_backward(dx.data(), g.data(), sy.get().data(), N, C);
            return std::vector<Tensor>{dx};
        });
    if (is_tracing()) [[unlikely]]
        trace_op("log_softmax", {&x}, y, {{"dim", {1.0}}});
    return y;
}

Tensor cross_entropy(const Tensor& logits, const Tensor& labels, Reduction reduction) {
    NABLA_CHECK(logits.defined() && logits.dim() == 2, "cross_entropy", "logits must be [N, C], got {}",
                describe(logits));
    const std::int64_t N = logits.size(0), C = logits.size(1);
    NABLA_CHECK(labels.defined() && labels.shape() == Shape{N}, "cross_entropy",
                "labels must be [{}] to match logits {}, got {}", N, logits.shape(), describe(labels));
    NABLA_CHECK(N > 0 || reduction != Reduction::mean, "cross_entropy", "mean over an empty batch");
    auto idx = std::make_shared<std::vector<std::int64_t>>(size_t(N));
    for (std::int64_t n = 0; n < N; ++n) {
        const float v = labels.data()[n];
        NABLA_CHECK(v >= 0.0f && v < float(C) && v == std::floor(v), "cross_entropy",
                    "label {} at index {} is not a class index in [0, {}) for logits {}", v, n, C,
                    logits.shape());
        (*idx)[size_t(n)] = static_cast<std::int64_t>(v);
    }
    Tensor losses = empty({N});
    Tensor probs = empty({N, C});
    cross_entropy_forward(losses.data(), probs.data(), logits.data(), idx->data(), N, C);
    Tensor out;
    if (reduction == Reduction::none) {
        out = losses;
    } else {
        double s = 0.0;
        for (std::int64_t n = 0; n < N; ++n) s += losses.data()[n];
        out = scalar_tensor(static_cast<float>(reduction == Reduction::mean ? s / double(N) : s));
    }
    if (needs_grad({&logits}))
        record("cross_entropy", {&logits, &labels}, out,
               [probs, idx, N, C, reduction](const Tensor& g, const GradMask&) {
                   // d/dlogits = (softmax - onehot) * upstream, divided by N for the mean.
                   std::vector<float> scale(static_cast<size_t>(N));
                   for (std::int64_t n = 0; n < N; ++n)
                       scale[size_t(n)] = reduction == Reduction::none   ? g.data()[n]
                                          : reduction == Reduction::mean ? g.item() / float(N)
                                                                         : g.item();
                   Tensor d = empty({N, C});
                   cross_entropy_backward(d.data(), probs.data(), idx->data(), scale.data(), N, C);
                   return std::vector<Tensor>{d, Tensor()};
               });
    if (is_tracing()) [[unlikely]]
        trace_op("cross_entropy", {&logits, &labels}, out);
    return out;
}

}  // namespace nabla
