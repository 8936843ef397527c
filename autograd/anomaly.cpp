#include "autograd/anomaly.h"

#include "core/error.h"

#include <cmath>
#include <string>

namespace nabla {

namespace detail {
constinit thread_local bool g_detect_anomaly = false;
}  // namespace detail

void set_detect_anomaly(bool on) { detail::g_detect_anomaly = on; }

DetectAnomalyGuard::DetectAnomalyGuard(bool on) : prev_(detail::g_detect_anomaly) {
    detail::g_detect_anomaly = on;
}
DetectAnomalyGuard::~DetectAnomalyGuard() { detail::g_detect_anomaly = prev_; }

namespace {

// "" when every value is finite, else where the first non-finite one sits: "NaN at element 7".
std::string first_non_finite(const Tensor& t) {
    const float* p = t.data();
    const std::int64_t n = t.numel();
    for (std::int64_t i = 0; i < n; ++i)
        if (!std::isfinite(p[i])) return fmt::format("{} at element {}", std::isnan(p[i]) ? "NaN" : "Inf", i);
    return "";
}

// describe(t), and for a defined tensor whether its values are finite.
std::string describe_input(const Tensor& t) {
    if (!t.defined()) return describe(t);
    const std::string bad = first_non_finite(t);
    return fmt::format("{} ({})", t.shape(), bad.empty() ? "finite" : "non-finite: " + bad);
}

}  // namespace

void check_finite_output(const char* op, std::span<const Tensor* const> inputs, const Tensor& output) {
    const std::string bad = first_non_finite(output);
    if (bad.empty()) return;
    std::string list;
    for (const Tensor* t : inputs) {
        if (!list.empty()) list += ", ";
        list += t ? describe_input(*t) : "none";
    }
    throw Error(op, fmt::format("anomaly mode: produced a non-finite output {} ({}) from inputs {}; this is "
                                "the first recorded op whose output is not finite",
                                output.shape(), bad, list));
}

void check_finite_gradient(const char* op, std::size_t index, const Shape& input_shape, const Tensor& grad,
                           const Tensor& grad_out) {
    const std::string bad = first_non_finite(grad);
    if (bad.empty()) return;
    throw Error(fmt::format("backward of {}", op),
                fmt::format("anomaly mode: returned a non-finite gradient {} ({}) for input {} of shape {}; "
                            "the gradient it received was {}",
                            grad.shape(), bad, index, input_shape, describe_input(grad_out)));
}

}  // namespace nabla
