#include "autograd/profile.h"

#include <algorithm>
#include <cstdlib>
#include <map>

namespace nabla {

namespace detail {
constinit thread_local signed char g_op_profiling = -1;
}  // namespace detail

namespace {

struct Profiler {
    ProfileClock::time_point last = ProfileClock::now();
    std::map<std::string, OpProfile> ops;
};

thread_local Profiler g_profiler;

double ms_since(ProfileClock::time_point t0) {
    return std::chrono::duration<double, std::milli>(ProfileClock::now() - t0).count();
}

}  // namespace

namespace detail {
bool op_profiling_from_environment() {
    const char* env = std::getenv("NABLA_PROFILE");
    const bool on = env != nullptr && std::string(env) != "0";
    g_op_profiling = on ? 1 : 0;
    if (on) g_profiler.last = ProfileClock::now();
    return on;
}
}  // namespace detail

void set_op_profiling(bool on) {
    detail::g_op_profiling = on ? 1 : 0;
    g_profiler.last = ProfileClock::now();
}

void reset_op_profile() {
    g_profiler.ops.clear();
    g_profiler.last = ProfileClock::now();
}

std::vector<OpProfile> op_profile() {
    std::vector<OpProfile> r;
    for (const auto& [name, p] : g_profiler.ops) {
        r.push_back(p);
        r.back().op = name;
    }
    std::sort(r.begin(), r.end(), [](const OpProfile& a, const OpProfile& b) {
        return a.forward_ms + a.backward_ms > b.forward_ms + b.backward_ms;
    });
    return r;
}

void profile_forward(const char* op) {
    OpProfile& p = g_profiler.ops[op];
    p.forward_ms += ms_since(g_profiler.last);
    ++p.calls;
    g_profiler.last = ProfileClock::now();
}

void profile_backward(const char* op, ProfileClock::time_point start) {
    g_profiler.ops[op].backward_ms += ms_since(start);
}

void profile_backward_end() { g_profiler.last = ProfileClock::now(); }

}  // namespace nabla
