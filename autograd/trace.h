#pragma once
// Op tracing: an optional observer, per thread, told about every differentiable op a
// forward runs, whether or not it records a tape entry (so it works under NoGradGuard).
// The ONNX exporter (onnx/export.h) installs one, runs one forward and turns the ops it
// saw into graph nodes; a user's own module therefore exports without any export code.
//
// Each op reports its name (the tape's name: "conv2d", "add", "reshape", ...), its inputs
// in the order the op takes them (undefined ones included), its output and the attributes
// that are not tensors (stride, padding, dims, eps, a scalar operand). Module::operator()
// reports entering and leaving a module, so an observer can name where an op ran.
//
// Off by default: the check costs one load and one branch per op, like anomaly mode.
#include "core/tensor.h"

#include <initializer_list>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace nabla {

// An op's non-tensor arguments by name; integers are stored exactly as doubles.
using OpAttributes = std::vector<std::pair<std::string, std::vector<double>>>;

struct TracedOp {
    std::string op;
    std::vector<Tensor> inputs;  // undefined where the op was given none (a missing bias)
    Tensor output;
    OpAttributes attributes;
    // The attribute's values; throws naming the op when it has no such attribute.
    const std::vector<double>& attribute(const std::string& name) const;
};

class OpObserver {
public:
    virtual ~OpObserver() = default;
    virtual void on_op(TracedOp op) = 0;
    // A module's forward starts / ends (`module` identifies it; it is a Module*).
    virtual void on_enter_module(const void* module) { (void)module; }
    virtual void on_exit_module() {}
    // The tape recorded an entry for `op` (grad mode on, an input requiring grad). An op
    // written outside the library (docs/extending.md) records but does not trace: an
    // observer that also watches recordings can tell that op by name rather than miss it.
    virtual void on_record(const char* op, const Tensor& output) {
        (void)op;
        (void)output;
    }
};

namespace detail {
extern constinit thread_local OpObserver* g_op_observer;
}  // namespace detail

inline bool is_tracing() { return detail::g_op_observer != nullptr; }

// Installs `observer` in this thread for its scope and restores the previous one on exit.
class OpObserverGuard {
public:
    explicit OpObserverGuard(OpObserver* observer);
    ~OpObserverGuard();
    OpObserverGuard(const OpObserverGuard&) = delete;
    OpObserverGuard& operator=(const OpObserverGuard&) = delete;

private:
    OpObserver* prev_;
};

// Hooks for the ops and for Module::operator(), called only while is_tracing().
void trace_op(const char* op, std::initializer_list<const Tensor*> inputs, const Tensor& output,
              OpAttributes attributes = {});
void trace_op(const char* op, std::span<const Tensor* const> inputs, const Tensor& output,
              OpAttributes attributes = {});
void trace_recorded(const char* op, const Tensor& output);
void trace_enter_module(const void* module);
void trace_exit_module();

}  // namespace nabla
