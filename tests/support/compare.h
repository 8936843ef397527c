#pragma once
// Comparing tensors and values with a tolerance.
#include "support/verdict.h"

#include <fmt/format.h>
#include <nabla.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace nabla::test {

// |got - want| <= tol * (1 + |want|) elementwise; the verdict names the first element
// that differs and how many do.
inline Verdict all_close(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-5f) {
    if (got.size() != want.size())
        return Verdict::fail(fmt::format("{} values, want {}", got.size(), want.size()));
    size_t differ = 0, first = 0;
    for (size_t i = 0; i < got.size(); ++i)
        if (!(std::fabs(got[i] - want[i]) <= tol * (1.0f + std::fabs(want[i]))) && differ++ == 0) first = i;
    if (differ == 0) return Verdict::pass();
    return Verdict::fail(
        fmt::format("element {}: got {}, want {} (tolerance {} * (1 + |want|)); {} of {} differ", first,
                    got[first], want[first], tol, differ, got.size()));
}

inline Verdict all_close(const Tensor& got, const std::vector<float>& want, float tol = 1e-5f) {
    return all_close(got.to_vector(), want, tol);
}

inline Verdict all_close(const Tensor& got, const Tensor& want, float tol = 1e-5f) {
    if (got.shape() != want.shape())
        return Verdict::fail(fmt::format("shape {}, want {}", got.shape(), want.shape()));
    return all_close(got.to_vector(), want.to_vector(), tol);
}

// Largest elementwise |a - b| of two tensors with the same number of elements.
inline float max_abs_diff(const Tensor& a, const Tensor& b) {
    float d = 0.0f;
    for (std::int64_t i = 0; i < a.numel(); ++i) d = std::max(d, std::fabs(a.data()[i] - b.data()[i]));
    return d;
}

// Largest elementwise |got - want| against listed values; infinite when the counts differ.
inline float max_abs_diff(const Tensor& got, const std::vector<float>& want) {
    if (got.numel() != static_cast<std::int64_t>(want.size())) return std::numeric_limits<float>::infinity();
    float d = 0.0f;
    for (size_t i = 0; i < want.size(); ++i) d = std::max(d, std::fabs(got.data()[i] - want[i]));
    return d;
}

// Largest elementwise |actual - expected| / |expected|.
inline double max_rel_diff(const Tensor& actual, const std::vector<float>& expected) {
    double d = 0.0;
    for (size_t i = 0; i < expected.size(); ++i)
        d = std::max(d, std::fabs(double(actual.data()[i]) - expected[i]) / std::fabs(double(expected[i])));
    return d;
}

}  // namespace nabla::test
