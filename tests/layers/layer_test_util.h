#pragma once
// Helpers shared by the layer tests.
#include <nabla.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace nabla::test {

// Gradchecks `m` at input x, for x and every parameter of m.
inline GradcheckResult gradcheck_module(nn::Module& m, Tensor x, const GradcheckOptions& options = {}) {
    x.requires_grad_(true);
    std::vector<Tensor> inputs{x};
    for (const Tensor& p : m.parameters()) inputs.push_back(p);
    return gradcheck([&m](const std::vector<Tensor>& in) { return m(in[0]); }, inputs, options);
}

inline float max_abs_diff(const Tensor& a, const Tensor& b) {
    float d = 0.0f;
    for (std::int64_t i = 0; i < a.numel(); ++i) d = std::max(d, std::fabs(a.data()[i] - b.data()[i]));
    return d;
}

// Largest elementwise |actual - expected| / |expected|.
inline double max_rel_diff(const Tensor& actual, const std::vector<float>& expected) {
    double d = 0.0;
    for (size_t i = 0; i < expected.size(); ++i)
        d = std::max(d, std::fabs(double(actual.data()[i]) - expected[i]) / std::fabs(double(expected[i])));
    return d;
}

// Fills t in place with values uniform in [low, high) (seeded by the global generator).
inline void fill_uniform(Tensor t, float low, float high) { t.copy_(rand(t.shape(), low, high)); }

}  // namespace nabla::test
