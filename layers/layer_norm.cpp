#include "layers/layer_norm.h"

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "autograd/trace.h"
#include "core/error.h"

#include <cmath>

namespace nabla::nn {

namespace {

// Row r of x viewed as [R, D] (D = the normalised elements of one sample):
// mean[r], rstd[r] = 1 / sqrt(biased var + eps), accumulated in double.
void row_statistics(float* mean, float* rstd, const float* x, std::int64_t R, std::int64_t D, float eps) {
    for (std::int64_t r = 0; r < R; ++r) {
        const float* xr = x + r * D;
        double s = 0.0, ss = 0.0;
        for (std::int64_t j = 0; j < D; ++j) s += xr[j];
        const double m = s / double(D);
        for (std::int64_t j = 0; j < D; ++j) ss += (xr[j] - m) * (xr[j] - m);
        mean[r] = float(m);
        rstd[r] = float(1.0 / std::sqrt(ss / double(D) + double(eps)));
    }
}

}  // namespace

Tensor layer_norm(const Tensor& x, const std::vector<std::int64_t>& normalized_shape, const Tensor& weight,
                  const Tensor& bias, float eps) {
    // 1. Validate: x ends with normalized_shape; weight and bias match it.
    const auto k = static_cast<std::int64_t>(normalized_shape.size());
    const Shape ns(normalized_shape);
    NABLA_CHECK(x.defined() && k > 0 && x.dim() >= k, "layer_norm", "input {} has fewer than {} dimensions",
                describe(x), k);
    for (std::int64_t i = 0; i < k; ++i)
        NABLA_CHECK(x.size(x.dim() - k + i) == ns[i], "layer_norm",
                    "input {} does not end with normalized_shape {}", x.shape(), ns);
    for (const Tensor* p : {&weight, &bias})
        if (p->defined())
            NABLA_CHECK(p->shape() == ns, "layer_norm", "weight and bias must be {}, got {}", ns, p->shape());
    const std::int64_t D = ns.numel(), R = x.numel() / D;

    // 2. Compute with plain loops: y = (x - mean) * rstd * weight + bias, row by row.
    Tensor mean = empty({R}), rstd = empty({R}), y = empty(x.shape());
    row_statistics(mean.data(), rstd.data(), x.data(), R, D, eps);
    const float* w = weight.defined() ? weight.data() : nullptr;
    const float* b = bias.defined() ? bias.data() : nullptr;
    for (std::int64_t r = 0; r < R; ++r)
        for (std::int64_t j = 0; j < D; ++j) {
            const float xhat = (x.data()[r * D + j] - mean.data()[r]) * rstd.data()[r];
            y.data()[r * D + j] = (w ? w[j] * xhat : xhat) + (b ? b[j] : 0.0f);
        }

    // 3. One tape entry, one gradient per input {x, weight, bias}. With g = dy,
    //    x_hat = (x - mean) * rstd and gh = g * weight, per row (means over D):
    //      dbias   = sum over rows of g
    //      dweight = sum over rows of g * x_hat
    //      dx      = rstd * (gh - mean(gh) - x_hat * mean(gh * x_hat))
    //    (the BatchNorm formula with rows and columns swapped). mean and rstd are
    //    fresh tensors, not graph nodes, so capturing them by value is safe.
    if (needs_grad({&x, &weight, &bias}))
        record("layer_norm", {&x, &weight, &bias}, y,
               [sx = SavedTensor(x), sw = SavedTensor(weight), mean, rstd, ns, R, D](const Tensor& g,
                                                                                     const GradMask& wants) {
                   const bool want_dx = wants[0], want_dw = wants[1], want_db = wants[2];
                   const float* xv = sx.get().data();
                   const float* wv = sw.defined() ? sw.get().data() : nullptr;
                   Tensor dx = want_dx ? empty(sx.get().shape()) : Tensor();
                   Tensor dw = want_dw ? zeros(ns) : Tensor();  // data indexed by j < D
                   Tensor db = want_db ? zeros(ns) : Tensor();
                   for (std::int64_t r = 0; r < R; ++r) {
                       const float* gr = g.data() + r * D;
                       const float* xr = xv + r * D;
                       const float m = mean.data()[r], rs = rstd.data()[r];
                       double sum_gh = 0.0, sum_gh_xhat = 0.0;  // first pass: the two row means
                       for (std::int64_t j = 0; j < D; ++j) {
                           const float xhat = (xr[j] - m) * rs, gh = wv ? gr[j] * wv[j] : gr[j];
                           sum_gh += gh;
                           sum_gh_xhat += double(gh) * xhat;
                           if (want_dw) dw.data()[j] += gr[j] * xhat;
                           if (want_db) db.data()[j] += gr[j];
                       }
                       if (!want_dx) continue;
                       const float mean_gh = float(sum_gh / double(D)),
                                   mean_gh_xhat = float(sum_gh_xhat / double(D));
                       for (std::int64_t j = 0; j < D; ++j) {  // second pass: dx
                           const float xhat = (xr[j] - m) * rs, gh = wv ? gr[j] * wv[j] : gr[j];
                           dx.data()[r * D + j] = rs * (gh - mean_gh - xhat * mean_gh_xhat);
                       }
                   }
                   return std::vector<Tensor>{dx, dw, db};
               });
    if (is_tracing()) [[unlikely]]
        trace_op("layer_norm", {&x, &weight, &bias}, y,
                 {{"normalized_shape", std::vector<double>(normalized_shape.begin(), normalized_shape.end())},
                  {"eps", {double(eps)}}});
    return y;
}

LayerNorm::LayerNorm(LayerNormOptions options) : options_(std::move(options)) {
    NABLA_CHECK(!options_.normalized_shape.empty(), "LayerNorm", "normalized_shape must not be empty");
    NABLA_CHECK(options_.eps > 0.0f, "LayerNorm", "eps must be positive, got {}", options_.eps);
    const Shape shape(options_.normalized_shape);
    NABLA_CHECK(shape.numel() > 0, "LayerNorm", "normalized_shape {} has no elements", shape);
    // Parameters are registered by name; the layer keeps handles (copies share data).
    if (options_.elementwise_affine) {
        weight_ = register_parameter("weight", ones(shape));
        bias_ = register_parameter("bias", zeros(shape));
    }
}

Tensor LayerNorm::forward(const Tensor& x) {
    return layer_norm(x, options_.normalized_shape, weight_, bias_, options_.eps);
}

std::string LayerNorm::extra_repr() const {
    return fmt::format("{}, eps={}, elementwise_affine={}", Shape(options_.normalized_shape), options_.eps,
                       options_.elementwise_affine);
}

}  // namespace nabla::nn
