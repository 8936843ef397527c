#include "core/tensor.h"

#include "core/error.h"
#include "core/random.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

namespace nabla {

namespace {
std::atomic<std::int64_t> g_live{0};
thread_local bool g_poison = false;
}  // namespace

bool set_poison_uninitialized(bool on) { return std::exchange(g_poison, on); }

TensorImpl::TensorImpl(std::shared_ptr<Storage> s, Shape sh) : storage(std::move(s)), shape(std::move(sh)) {
    ++g_live;
}
TensorImpl::~TensorImpl() { --g_live; }

std::int64_t live_tensor_count() { return g_live.load(); }

std::string describe(const Tensor& t) { return t.defined() ? t.shape().str() : "undefined"; }

const Shape& Tensor::shape() const {
    NABLA_CHECK(impl_, "Tensor", "use of an undefined tensor");
    return impl_->shape;
}

std::int64_t Tensor::size(std::int64_t d) const { return shape()[shape().wrap_dim(d, "Tensor::size")]; }

float* Tensor::data() {
    NABLA_CHECK(impl_, "Tensor", "use of an undefined tensor");
    return impl_->storage->data();
}
const float* Tensor::data() const {
    NABLA_CHECK(impl_, "Tensor", "use of an undefined tensor");
    return impl_->storage->data();
}

float Tensor::item() const {
    NABLA_CHECK(numel() == 1, "item", "tensor has {} elements (shape {}), expected 1", numel(), shape());
    return data()[0];
}

std::int64_t Tensor::offset_of(std::initializer_list<std::int64_t> index) const {
    const Shape& s = shape();
    NABLA_CHECK(std::ssize(index) == s.ndim(), "at", "{} indices for shape {}", index.size(), s);
    std::int64_t off = 0, d = 0;
    for (auto i : index) {
        NABLA_CHECK(i >= 0 && i < s[d], "at", "index {} out of range for dimension {} of shape {}", i, d, s);
        off = off * s[d] + i;
        ++d;
    }
    return off;
}

float Tensor::at(std::initializer_list<std::int64_t> index) const { return data()[offset_of(index)]; }
float& Tensor::at(std::initializer_list<std::int64_t> index) { return data()[offset_of(index)]; }

std::vector<float> Tensor::to_vector() const { return std::vector<float>(data(), data() + numel()); }

Tensor Tensor::clone() const {
    Tensor out = empty(shape());
    std::memcpy(out.data(), data(), sizeof(float) * size_t(numel()));
    return out;
}

Tensor Tensor::detach() const { return alias_with_shape(*this, shape()); }

Tensor& Tensor::fill_(float value) {
    std::fill_n(data(), numel(), value);
    bump_version();
    return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
    NABLA_CHECK(src.numel() == numel(), "copy_", "source has shape {}, destination {}", src.shape(), shape());
    if (src.data() != data()) std::memmove(data(), src.data(), sizeof(float) * size_t(numel()));
    bump_version();
    return *this;
}

bool Tensor::requires_grad() const { return impl_ && impl_->requires_grad; }

Tensor& Tensor::requires_grad_(bool on) {
    NABLA_CHECK(impl_, "requires_grad_", "called on an undefined tensor");
    NABLA_CHECK(is_leaf(), "requires_grad_",
                "only leaf tensors can change requires_grad (this one was produced by an op); use detach()");
    impl_->requires_grad = on;
    return *this;
}

bool Tensor::is_leaf() const { return impl_ && impl_->producer == 0; }

Tensor Tensor::grad() const {
    NABLA_CHECK(impl_, "grad", "called on an undefined tensor");
    return Tensor(impl_->grad);
}

void Tensor::set_grad(const Tensor& g) {
    NABLA_CHECK(impl_, "set_grad", "called on an undefined tensor");
    if (g.defined())
        NABLA_CHECK(g.shape() == shape(), "set_grad", "gradient shape {} does not match tensor shape {}",
                    g.shape(), shape());
    impl_->grad = g.impl_ptr();
}

void Tensor::bump_version() {
    NABLA_CHECK(impl_, "bump_version", "called on an undefined tensor");
    impl_->storage->bump_version();
}

Tensor empty(const Shape& shape) {
    for (auto d : shape.dims()) NABLA_CHECK(d >= 0, "empty", "negative dimension in shape {}", shape);
    Tensor t(std::make_shared<TensorImpl>(std::make_shared<Storage>(shape.numel()), shape));
    if (g_poison) std::fill_n(t.data(), t.numel(), std::numeric_limits<float>::quiet_NaN());
    return t;
}

Tensor zeros(const Shape& shape) { return full(shape, 0.0f); }
Tensor ones(const Shape& shape) { return full(shape, 1.0f); }

Tensor full(const Shape& shape, float value) {
    Tensor t = empty(shape);
    std::fill_n(t.data(), t.numel(), value);
    return t;
}

Tensor arange(float start, float end, float step) {
    NABLA_CHECK(step != 0.0f && std::isfinite(step), "arange", "invalid step {}", step);
    const auto n = static_cast<std::int64_t>(std::max(0.0, std::ceil((double(end) - start) / step)));
    Tensor t = empty({n});
    for (std::int64_t i = 0; i < n; ++i) t.data()[i] = static_cast<float>(start + double(i) * step);
    return t;
}

Tensor rand(const Shape& shape, float low, float high) {
    NABLA_CHECK(low < high, "rand", "empty range [{}, {})", low, high);
    Tensor t = empty(shape);
    auto& g = global_generator();
    for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = uniform_float(g, low, high);
    return t;
}

Tensor randn(const Shape& shape, float mean, float std) {
    Tensor t = empty(shape);
    auto& g = global_generator();
    for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = normal_float(g, mean, std);
    return t;
}

Tensor from_vector(const std::vector<float>& values, const Shape& shape) {
    NABLA_CHECK(std::ssize(values) == shape.numel(), "from_vector", "{} values for shape {} ({} elements)",
                values.size(), shape, shape.numel());
    Tensor t = empty(shape);
    std::copy(values.begin(), values.end(), t.data());
    return t;
}

Tensor scalar_tensor(float value) { return full(Shape{}, value); }

Tensor alias_with_shape(const Tensor& base, const Shape& shape) {
    NABLA_CHECK(base.numel() == shape.numel(), "reshape", "cannot view shape {} as {}", base.shape(), shape);
    return Tensor(std::make_shared<TensorImpl>(base.impl()->storage, shape));
}

}  // namespace nabla
