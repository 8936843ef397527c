#include "layers/sequential.h"

#include "autograd/trace.h"
#include "core/error.h"
#include "layers/activations.h"
#include "layers/batchnorm.h"

#include <typeinfo>

namespace nabla::nn {

void Sequential::extend(Sequential&& other) {
    for (auto& m : other.modules_) append(m);
    other = Sequential();
}

Module& Sequential::operator[](size_t i) const { return *ptr(i); }

std::shared_ptr<Module> Sequential::ptr(size_t i) const {
    NABLA_CHECK(i < modules_.size(), "Sequential", "index {} out of range for {} modules", i,
                modules_.size());
    return modules_[i];
}

void Sequential::throw_wrong_type(size_t i) const {
    throw Error("Sequential",
                fmt::format("module {} is a {}, not the requested type", i, modules_[i]->name()));
}

namespace {

// A BatchNorm directly followed by a plain ReLU runs as one op (BatchNorm::forward_relu):
// the pair is the usual block of a BN network, and the fused op skips a pass over the
// activation each way. Not while tracing, so an ONNX export still sees both layers.
BatchNorm* fusable_batch_norm(const std::vector<std::shared_ptr<Module>>& modules, size_t i) {
    if (i + 1 >= modules.size() || is_tracing()) return nullptr;
    const Module& next = *modules[i + 1];
    if (typeid(next) != typeid(ReLU)) return nullptr;
    return dynamic_cast<BatchNorm*>(modules[i].get());
}

}  // namespace

Tensor Sequential::forward(const Tensor& x) {
    Tensor h = x;
    for (size_t i = 0; i < modules_.size(); ++i) {
        try {
            if (BatchNorm* bn = fusable_batch_norm(modules_, i)) {
                h = bn->forward_relu(h);
                ++i;  // the ReLU ran too
                continue;
            }
            h = (*modules_[i])(h);
        } catch (const Error& e) {
            throw in_child(e, i);
        }
    }
    return h;
}

// "3: Linear: expected input [*, 784], got [64, 100]": the position is the "(3)" of the
// printed model and the "3." of its parameter names. An error raised by an op the layer
// called ("matmul: ...") gains the layer's name as well, so the message always names both.
Error Sequential::in_child(const Error& e, size_t i) const {
    const std::string& outermost = e.context().empty() ? e.where() : e.context().front();
    const std::string layer = modules_[i]->name();
    const Error named = outermost.starts_with(layer) ? e : e.with_context(layer);
    return named.with_context(std::to_string(i));
}

}  // namespace nabla::nn
