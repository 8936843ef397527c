#pragma once
// Random test inputs, drawn from the global generator: leaves that require grad, and
// values kept away from kinks and ties.
#include <nabla.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

namespace nabla::test {

// A leaf that requires grad, uniform in [low, high).
inline Tensor param(const Shape& shape, float low = -1.0f, float high = 1.0f) {
    Tensor t = rand(shape, low, high);
    t.requires_grad_();
    return t;
}

// Uniform in +-[margin, 1]: at least `margin` from zero (ReLU's kink, log's pole).
inline Tensor away_from_zero(const Shape& shape, float margin = 0.1f) {
    Tensor t = rand(shape, margin, 1.0f);
    const Tensor sign = rand(shape);
    for (std::int64_t i = 0; i < t.numel(); ++i)
        if (sign.data()[i] < 0.5f) t.data()[i] = -t.data()[i];
    t.requires_grad_();
    return t;
}

// A random permutation of evenly spaced values `gap` apart: no ties for max and pooling,
// and a finite-difference step never reorders two of them.
inline Tensor distinct(const Shape& shape, float gap = 0.05f) {
    Tensor t = empty(shape);
    std::vector<std::int64_t> order(static_cast<size_t>(t.numel()));
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), global_generator());
    const float centre = 0.5f * gap * float(t.numel());
    for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = gap * float(order[size_t(i)]) - centre;
    t.requires_grad_();
    return t;
}

// Fills t in place with values uniform in [low, high).
inline void fill_uniform(Tensor t, float low, float high) { t.copy_(rand(t.shape(), low, high)); }

}  // namespace nabla::test
