// The differentiable Tensor methods declared in core/tensor.h.
#include "autograd/tape.h"
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

}  // namespace nabla
