#pragma once
// Shared test helpers: approximate comparisons, gradcheck with its report shown on
// failure, and inputs kept away from kinks and ties.
#include <catch2/catch.hpp>
#include <nabla.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <ostream>
#include <vector>

namespace nabla::test {

// |got - want| <= tol * (1 + |want|) elementwise.
inline void require_close(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-5f) {
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) {
        INFO("element " << i << ": got " << got[i] << ", want " << want[i]);
        REQUIRE(std::fabs(got[i] - want[i]) <= tol * (1.0f + std::fabs(want[i])));
    }
}

inline void require_close(const Tensor& got, const std::vector<float>& want, float tol = 1e-5f) {
    require_close(got.to_vector(), want, tol);
}

inline void require_close(const Tensor& got, const Tensor& want, float tol = 1e-5f) {
    REQUIRE(got.shape() == want.shape());
    require_close(got.to_vector(), want.to_vector(), tol);
}

// gradcheck's verdict, for REQUIRE(passes_gradcheck(...)): true when the analytic and
// numerical gradients agree; Catch prints the report when they do not.
struct GradcheckVerdict {
    GradcheckResult result;
    explicit operator bool() const { return result.ok; }
};
inline std::ostream& operator<<(std::ostream& os, const GradcheckVerdict& v) { return os << v.result.report; }

inline GradcheckVerdict passes_gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                                         const GradcheckOptions& options = {}) {
    return {gradcheck(f, inputs, options)};
}

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

}  // namespace nabla::test
