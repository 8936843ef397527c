#pragma once
// Tensor: an N-d float32 array, contiguous and row-major (NCHW for images).
//
// A Tensor is a shared handle: copying one (or reshape/flatten/detach) shares the
// data, so a write through one copy shows in the others; clone() copies the data.
// The autograd state (requires_grad, grad, which tape entry produced it) lives here
// too, but the differentiable methods (backward, reshape, flatten, ...) are defined
// in the autograd library: core's own code never calls them.
#include "core/shape.h"
#include "core/storage.h"

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace nabla {

struct TensorImpl {
    TensorImpl(std::shared_ptr<Storage> s, Shape sh);
    ~TensorImpl();
    TensorImpl(const TensorImpl&) = delete;
    TensorImpl& operator=(const TensorImpl&) = delete;

    std::shared_ptr<Storage> storage;
    Shape shape;
    bool requires_grad = false;
    std::uint64_t producer = 0;        // id of the tape entry that made it; 0 for a leaf
    std::shared_ptr<TensorImpl> grad;  // leaves: accumulated .grad(); others: transient
};

class Tensor {
public:
    Tensor() = default;  // undefined: defined() is false
    explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

    bool defined() const { return impl_ != nullptr; }
    const Shape& shape() const;
    std::int64_t dim() const { return shape().ndim(); }
    std::int64_t numel() const { return shape().numel(); }
    std::int64_t size(std::int64_t d) const;  // negative d counts from the end

    float* data();
    const float* data() const;
    float item() const;  // the value of a one-element tensor
    float at(std::initializer_list<std::int64_t> index) const;
    float& at(std::initializer_list<std::int64_t> index);
    std::vector<float> to_vector() const;

    Tensor clone() const;   // copies the data; the copy is a leaf without grad
    Tensor detach() const;  // shares the data; cut off from autograd

    // In-place writes, never recorded on the tape (use them under NoGradGuard).
    Tensor& fill_(float value);
    Tensor& zero_() { return fill_(0.0f); }
    Tensor& copy_(const Tensor& src);  // same number of elements
    void bump_version();               // call after writing through data()

    // --- autograd state (on an undefined tensor, all but requires_grad and is_leaf throw) ---
    bool requires_grad() const;
    Tensor& requires_grad_(bool on = true);  // leaves only
    bool is_leaf() const;                    // not produced by a recorded op
    Tensor grad() const;                     // undefined until a backward reaches this leaf
    void set_grad(const Tensor& g);          // an undefined g clears it

    // --- differentiable methods (defined in the autograd library) ---
    void backward(const Tensor& grad_output = Tensor(), bool retain_graph = false) const;
    Tensor reshape(const Shape& shape) const;  // -1 infers one dimension; no copy
    Tensor view(const Shape& shape) const { return reshape(shape); }
    Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
    // PyTorch's method spellings (`loss.sum()`, `logits.argmax(1)`), each forwarding to
    // the free op of the same name in autograd/ops.h. max(dim) returns the values only.
    Tensor sum() const;
    Tensor sum(std::int64_t dim, bool keepdim = false) const;
    Tensor sum(const std::vector<std::int64_t>& dims, bool keepdim = false) const;
    Tensor mean() const;
    Tensor mean(std::int64_t dim, bool keepdim = false) const;
    Tensor mean(const std::vector<std::int64_t>& dims, bool keepdim = false) const;
    Tensor max() const;
    Tensor max(std::int64_t dim, bool keepdim = false) const;
    Tensor max(const std::vector<std::int64_t>& dims, bool keepdim = false) const;
    Tensor argmax() const;  // index into the flattened tensor, shape []
    Tensor argmax(std::int64_t dim, bool keepdim = false) const;
    Tensor exp() const;
    Tensor log() const;
    Tensor sqrt() const;
    Tensor pow(float exponent) const;
    Tensor relu() const;
    Tensor sigmoid() const;
    Tensor tanh() const;
    Tensor matmul(const Tensor& other) const;
    Tensor transpose(std::int64_t dim0, std::int64_t dim1) const;  // a copy, unlike PyTorch's view
    Tensor t() const;                                              // transpose(0, 1) of a 2-d tensor

    TensorImpl* impl() const { return impl_.get(); }
    const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
    bool same(const Tensor& other) const { return impl_ == other.impl_; }

private:
    std::int64_t offset_of(std::initializer_list<std::int64_t> index) const;
    std::shared_ptr<TensorImpl> impl_;
};

// Factories. Random ones draw from the one engine seeded by manual_seed().
Tensor empty(const Shape& shape);  // uninitialised
Tensor zeros(const Shape& shape);
Tensor ones(const Shape& shape);
Tensor full(const Shape& shape, float value);
Tensor arange(float start, float end, float step = 1.0f);
Tensor rand(const Shape& shape, float low = 0.0f, float high = 1.0f);  // uniform [low, high)
Tensor randn(const Shape& shape, float mean = 0.0f, float std = 1.0f);
Tensor from_vector(const std::vector<float>& values, const Shape& shape);
Tensor scalar_tensor(float value);  // shape []
// A new tensor that shares `base`'s storage under another shape (same numel).
Tensor alias_with_shape(const Tensor& base, const Shape& shape);

// When on, empty() fills new tensors with NaN so a kernel that leaves an entry
// unwritten shows up (gradcheck turns it on). Returns the previous setting.
bool set_poison_uninitialized(bool on);

// The shape as text ("[2, 3]"), or "undefined": how error messages show an argument
// that may be missing.
std::string describe(const Tensor& t);

// How many TensorImpl objects exist now: the leak tests watch it.
std::int64_t live_tensor_count();

}  // namespace nabla
