#include "layers/sequential.h"

#include "core/error.h"

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

Tensor Sequential::forward(const Tensor& x) {
    Tensor h = x;
    for (auto& m : modules_) h = m->forward(h);
    return h;
}

}  // namespace nabla::nn
