#include "autograd/trace.h"

#include "core/error.h"

namespace nabla {

namespace detail {
constinit thread_local OpObserver* g_op_observer = nullptr;
}  // namespace detail

const std::vector<double>& TracedOp::attribute(const std::string& name) const {
    for (const auto& [key, values] : attributes)
        if (key == name) return values;
    throw Error(op, fmt::format("traced op has no attribute '{}'", name));
}

OpObserverGuard::OpObserverGuard(OpObserver* observer) : prev_(detail::g_op_observer) {
    detail::g_op_observer = observer;
}

OpObserverGuard::~OpObserverGuard() { detail::g_op_observer = prev_; }

void trace_op(const char* op, std::initializer_list<const Tensor*> inputs, const Tensor& output,
              OpAttributes attributes) {
    trace_op(op, std::span<const Tensor* const>(inputs.begin(), inputs.size()), output,
             std::move(attributes));
}

void trace_op(const char* op, std::span<const Tensor* const> inputs, const Tensor& output,
              OpAttributes attributes) {
    OpObserver* observer = detail::g_op_observer;
    if (observer == nullptr) return;
    TracedOp t;
    t.op = op;
    t.inputs.reserve(inputs.size());
    for (const Tensor* x : inputs) t.inputs.push_back(x ? *x : Tensor());
    t.output = output;
    t.attributes = std::move(attributes);
    // An op the observer runs itself must not be reported back to it.
    OpObserverGuard quiet(nullptr);
    observer->on_op(std::move(t));
}

void trace_recorded(const char* op, const Tensor& output) {
    if (OpObserver* observer = detail::g_op_observer) observer->on_record(op, output);
}

void trace_enter_module(const void* module) {
    if (OpObserver* observer = detail::g_op_observer) observer->on_enter_module(module);
}

void trace_exit_module() {
    if (OpObserver* observer = detail::g_op_observer) observer->on_exit_module();
}

}  // namespace nabla
