// The differentiable Tensor methods declared in core/tensor.h.
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "autograd/trace.h"
#include "core/error.h"
#include "core/tensor.h"

namespace nabla {

void Tensor::backward(const Tensor& grad_output, bool retain_graph) const {
    run_backward(*this, grad_output, retain_graph);
}

Tensor Tensor::reshape(const Shape& shape) const {
    // Resolve one -1 from the element count.
    std::vector<std::int64_t> dims = shape.dims();
    std::int64_t known = 1, infer = -1;
    for (size_t i = 0; i < dims.size(); ++i) {
        if (dims[i] == -1) {
            NABLA_CHECK(infer < 0, "reshape", "only one dimension can be -1, got {}", shape);
            infer = std::int64_t(i);
        } else {
            NABLA_CHECK(dims[i] >= 0, "reshape", "invalid dimension in {}", shape);
            known *= dims[i];
        }
    }
    if (infer >= 0) {
        NABLA_CHECK(known > 0 && numel() % known == 0, "reshape", "cannot view shape {} as {}", this->shape(),
                    shape);
        dims[size_t(infer)] = numel() / known;
    }
    const Shape target(std::move(dims));
    NABLA_CHECK(target.numel() == numel(), "reshape", "cannot view shape {} ({} elements) as {}",
                this->shape(), numel(), shape);
    Tensor out = alias_with_shape(*this, target);
    if (needs_grad({this}))
        record("reshape", {this}, out, [from = this->shape()](const Tensor& g, const GradMask&) {
            return std::vector<Tensor>{alias_with_shape(g, from)};
        });
    if (is_tracing()) [[unlikely]]
        trace_op("reshape", {this}, out);
    return out;
}

Tensor Tensor::flatten(std::int64_t start_dim, std::int64_t end_dim) const {
    const Shape& s = shape();
    if (s.ndim() == 0) return reshape({1});
    const std::int64_t a = s.wrap_dim(start_dim, "flatten"), b = s.wrap_dim(end_dim, "flatten");
    NABLA_CHECK(a <= b, "flatten", "start_dim {} after end_dim {} for shape {}", start_dim, end_dim, s);
    std::vector<std::int64_t> dims(s.dims().begin(), s.dims().begin() + a);
    std::int64_t merged = 1;
    for (std::int64_t i = a; i <= b; ++i) merged *= s[i];
    dims.push_back(merged);
    dims.insert(dims.end(), s.dims().begin() + b + 1, s.dims().end());
    return reshape(Shape(std::move(dims)));
}

// Inside a member, an unqualified `sum` names the method: the free ops are qualified.
Tensor Tensor::sum() const { return nabla::sum(*this); }
Tensor Tensor::sum(std::int64_t dim, bool keepdim) const { return nabla::sum(*this, {dim}, keepdim); }
Tensor Tensor::sum(const std::vector<std::int64_t>& dims, bool keepdim) const {
    return nabla::sum(*this, dims, keepdim);
}
Tensor Tensor::mean() const { return nabla::mean(*this); }
Tensor Tensor::mean(std::int64_t dim, bool keepdim) const { return nabla::mean(*this, {dim}, keepdim); }
Tensor Tensor::mean(const std::vector<std::int64_t>& dims, bool keepdim) const {
    return nabla::mean(*this, dims, keepdim);
}
Tensor Tensor::max() const { return nabla::max(*this); }
Tensor Tensor::max(std::int64_t dim, bool keepdim) const { return nabla::max(*this, {dim}, keepdim); }
Tensor Tensor::max(const std::vector<std::int64_t>& dims, bool keepdim) const {
    return nabla::max(*this, dims, keepdim);
}
Tensor Tensor::argmax() const { return nabla::argmax(reshape({-1}), 0); }
Tensor Tensor::argmax(std::int64_t dim, bool keepdim) const { return nabla::argmax(*this, dim, keepdim); }
Tensor Tensor::exp() const { return nabla::exp(*this); }
Tensor Tensor::log() const { return nabla::log(*this); }
Tensor Tensor::sqrt() const { return nabla::sqrt(*this); }
Tensor Tensor::pow(float exponent) const { return nabla::pow(*this, exponent); }
Tensor Tensor::relu() const { return nabla::relu(*this); }
Tensor Tensor::sigmoid() const { return nabla::sigmoid(*this); }
Tensor Tensor::tanh() const { return nabla::tanh(*this); }
Tensor Tensor::matmul(const Tensor& other) const { return nabla::matmul(*this, other); }
Tensor Tensor::transpose(std::int64_t dim0, std::int64_t dim1) const {
    return nabla::transpose(*this, dim0, dim1);
}
Tensor Tensor::t() const {
    NABLA_CHECK(dim() == 2, "t", "expects a 2-d tensor, got {}; use transpose(dim0, dim1)", shape());
    return nabla::transpose(*this, 0, 1);
}

}  // namespace nabla
