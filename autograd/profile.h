#pragma once
// The per-op time profile: an optional account, per thread, of where a training step's
// time goes, op by op. Off by default; NABLA_PROFILE=1 (any value but 0) in the
// environment turns it on in every thread, set_op_profiling() turns it on or off in the
// calling thread.
//
// Backward time is each entry's BackwardFn plus the engine's accumulation. Forward time is
// measured between consecutive record() calls, so an op is charged for everything since the
// previous recorded op (including module overhead and unrecorded helpers); the clock
// restarts at reset, when profiling is turned on, and after each backward.
//
// The tape calls the hooks below behind is_op_profiling(), which costs one load and one
// branch when off, like anomaly mode.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace nabla {

struct OpProfile {
    std::string op;
    double forward_ms = 0.0, backward_ms = 0.0;
    std::int64_t calls = 0;
};

void set_op_profiling(bool on);
void reset_op_profile();
std::vector<OpProfile> op_profile();  // this thread's ops, largest total first

namespace detail {
// -1 until this thread first asks (NABLA_PROFILE then decides), else 0 (off) or 1 (on).
// Read inline so that the check costs one load and one branch when off.
extern constinit thread_local signed char g_op_profiling;
bool op_profiling_from_environment();  // resolves -1 for this thread
}  // namespace detail

inline bool is_op_profiling() {
    const signed char state = detail::g_op_profiling;
    return state > 0 || (state < 0 && detail::op_profiling_from_environment());
}

// Hooks for the tape, called only while is_op_profiling().
using ProfileClock = std::chrono::steady_clock;
// record() of `op`: one call, charged the time since the previous recorded op.
void profile_forward(const char* op);
// The backward of `op` (its BackwardFn and the accumulation of its gradients) took the
// time since `start`.
void profile_backward(const char* op, ProfileClock::time_point start);
// A backward walk ended: the forward clock restarts.
void profile_backward_end();

}  // namespace nabla
