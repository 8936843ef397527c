// Reductions. sum/mean reduce with sum_to_shape; their backward broadcasts g back over
// the reduced dimensions. max sends each gradient to the first maximum.
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "autograd/trace.h"
#include "core/elementwise.h"
#include "core/error.h"

#include <algorithm>

namespace nabla {

namespace {

// The keepdim shape of reducing `dims` of `s` (all dims when `dims` is empty).
Shape kept_shape(const Shape& s, const std::vector<std::int64_t>& dims, const char* op) {
    std::vector<std::int64_t> out = s.dims();
    if (dims.empty()) std::fill(out.begin(), out.end(), 1);
    for (auto d : dims) out[size_t(s.wrap_dim(d, op))] = 1;
    return Shape(std::move(out));
}

Shape squeezed_shape(const Shape& s, const std::vector<std::int64_t>& dims, const char* op) {
    std::vector<bool> drop(size_t(s.ndim()), dims.empty());
    for (auto d : dims) drop[size_t(s.wrap_dim(d, op))] = true;
    std::vector<std::int64_t> out;
    for (std::int64_t i = 0; i < s.ndim(); ++i)
        if (!drop[size_t(i)]) out.push_back(s[i]);
    return Shape(std::move(out));
}

// The attributes a traced reduction reports: the reduced dims (all when empty), keepdim.
OpAttributes reduce_attributes(const std::vector<std::int64_t>& dims, bool keepdim) {
    return {{"dims", std::vector<double>(dims.begin(), dims.end())}, {"keepdim", {keepdim ? 1.0 : 0.0}}};
}

Tensor reduce_sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim, float scale,
                  const char* op) {
    NABLA_CHECK(x.defined(), op, "undefined operand");
    const Shape kept = kept_shape(x.shape(), dims, op);
    Tensor out = empty(kept);
    sum_to_shape(out.data(), kept, x.data(), x.shape());
    if (scale != 1.0f) affine_scalar(out.data(), out.data(), out.numel(), scale, 0.0f);
    if (!keepdim) out = alias_with_shape(out, squeezed_shape(x.shape(), dims, op));
    if (needs_grad({&x}))
        record(op, {&x}, out, [kept, full = x.shape(), scale](const Tensor& g, const GradMask&) {
            // Every input element received `scale` times the gradient of its output slot.
            Tensor d = empty(full);
            const Tensor s = scalar_tensor(scale);
            binary_forward(BinaryOp::mul, d.data(), full, g.data(), kept, s.data(), s.shape());
            return std::vector<Tensor>{d};
        });
    if (is_tracing()) [[unlikely]]
        trace_op(op, {&x}, out, reduce_attributes(dims, keepdim));
    return out;
}

Tensor reduce_max(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim, const char* op) {
    NABLA_CHECK(x.defined() && x.numel() > 0, op, "needs a non-empty tensor, got shape {}", x.shape());
    const Shape kept = kept_shape(x.shape(), dims, op);
    for (auto d : dims)
        NABLA_CHECK(x.shape()[x.shape().wrap_dim(d, op)] > 0, op, "reducing an empty dimension of {}",
                    x.shape());
    Tensor out = empty(kept);
    auto argmax = std::make_shared<std::vector<std::int64_t>>(size_t(kept.numel()));
    max_to_shape(out.data(), argmax->data(), kept, x.data(), x.shape());
    if (!keepdim) out = alias_with_shape(out, squeezed_shape(x.shape(), dims, op));
    if (needs_grad({&x}))
        record(op, {&x}, out, [argmax, full = x.shape()](const Tensor& g, const GradMask&) {
            Tensor d = zeros(full);
            for (size_t i = 0; i < argmax->size(); ++i) d.data()[(*argmax)[i]] += g.data()[i];
            return std::vector<Tensor>{d};
        });
    if (is_tracing()) [[unlikely]]
        trace_op(op, {&x}, out, reduce_attributes(dims, keepdim));
    return out;
}

}  // namespace

Tensor sum(const Tensor& x) { return reduce_sum(x, {}, false, 1.0f, "sum"); }
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
    NABLA_CHECK(!dims.empty(), "sum", "no dimensions given; use sum(x) for all");
    return reduce_sum(x, dims, keepdim, 1.0f, "sum");
}

Tensor mean(const Tensor& x) {
    NABLA_CHECK(x.defined() && x.numel() > 0, "mean", "needs a non-empty tensor");
    return reduce_sum(x, {}, false, 1.0f / float(x.numel()), "mean");
}
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
    NABLA_CHECK(x.defined() && !dims.empty(), "mean", "no dimensions given; use mean(x) for all");
    const Shape kept = kept_shape(x.shape(), dims, "mean");
    const std::int64_t count = x.numel() / std::max<std::int64_t>(kept.numel(), 1);
    NABLA_CHECK(count > 0, "mean", "reducing an empty dimension of {}", x.shape());
    return reduce_sum(x, dims, keepdim, 1.0f / float(count), "mean");
}

Tensor max(const Tensor& x) { return reduce_max(x, {}, false, "max"); }
Tensor max(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
    NABLA_CHECK(!dims.empty(), "max", "no dimensions given; use max(x) for all");
    return reduce_max(x, dims, keepdim, "max");
}

Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) {
    NABLA_CHECK(x.defined(), "argmax", "undefined operand");
    const std::int64_t d = x.shape().wrap_dim(dim, "argmax");
    NABLA_CHECK(x.shape()[d] > 0, "argmax", "dimension {} of {} is empty", d, x.shape());
    const Shape kept = kept_shape(x.shape(), {d}, "argmax");
    Tensor vals = empty(kept);
    std::vector<std::int64_t> flat(static_cast<size_t>(kept.numel()));
    max_to_shape(vals.data(), flat.data(), kept, x.data(), x.shape());
    // Flat input index -> index along dim.
    const std::int64_t inner = x.shape().strides()[size_t(d)];
    Tensor out = empty(kept);
    for (size_t i = 0; i < flat.size(); ++i) out.data()[i] = float((flat[i] / inner) % x.shape()[d]);
    if (!keepdim) out = alias_with_shape(out, squeezed_shape(x.shape(), {d}, "argmax"));
    if (is_tracing()) [[unlikely]]
        trace_op("argmax", {&x}, out, reduce_attributes({d}, keepdim));
    return out;
}

}  // namespace nabla
