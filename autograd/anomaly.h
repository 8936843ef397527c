#pragma once
// Anomaly mode: while it is on, every op recorded on the tape has its output checked for
// NaN and Inf, and backward checks every gradient a backward function returns. The first
// non-finite value throws nabla::Error whose where() is the op ("backward of <op>" for a
// gradient), with the op's input shapes and which inputs were already non-finite. In
// training, batch_norm also refuses to fold non-finite batch statistics into its running
// statistics: it throws and leaves them unchanged.
//
// A thread-local switch, like grad mode, off by default. Off, it costs one branch per
// recorded op and per backward entry. On, it scans every value, so it is for debugging.
// Ops that record nothing (all inputs without grad, or under NoGradGuard) are not checked.
#include "core/tensor.h"

#include <cstddef>
#include <span>

namespace nabla {

namespace detail {
// Read inline so that the check costs one load and one branch when off.
extern constinit thread_local bool g_detect_anomaly;
}  // namespace detail

inline bool is_anomaly_enabled() { return detail::g_detect_anomaly; }
void set_detect_anomaly(bool on);

// Sets anomaly mode for its scope (on by default) and restores the previous state on exit.
class DetectAnomalyGuard {
public:
    explicit DetectAnomalyGuard(bool on = true);
    ~DetectAnomalyGuard();
    DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
    DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

private:
    bool prev_;
};

// Throws when `output` of `op` holds NaN or Inf; the message lists the inputs' shapes and
// says which of them were non-finite already. The tape calls it in anomaly mode.
void check_finite_output(const char* op, std::span<const Tensor* const> inputs, const Tensor& output);
// Throws when the gradient `grad` that backward of `op` returned for input `index` (of
// shape `input_shape`) holds NaN or Inf; `grad_out` is the gradient the op received.
void check_finite_gradient(const char* op, std::size_t index, const Shape& input_shape, const Tensor& grad,
                           const Tensor& grad_out);

}  // namespace nabla
