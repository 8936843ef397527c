#include "autograd/tape.h"

#include "autograd/anomaly.h"
#include "autograd/grad_hooks.h"
#include "autograd/grad_mode.h"
#include "autograd/profile.h"
#include "autograd/trace.h"
#include "core/elementwise.h"
#include "core/error.h"

#include <algorithm>
#include <memory>
#include <string>
#include <unordered_map>

namespace nabla {

namespace {

struct Entry {
    std::uint64_t id = 0;
    const char* op = "";
    std::vector<std::shared_ptr<TensorImpl>> inputs;  // null where no gradient is wanted
    GradMask wants;                                   // non-null slots of `inputs`
    std::weak_ptr<TensorImpl> output;
    BackwardFn fn;
    bool done = false;  // ran in a backward without retain_graph: to be freed
};

struct Tape {
    std::vector<Entry> entries;  // ids strictly increasing
    std::uint64_t next_id = 1;
    std::size_t prune_at = 4096;
};

thread_local Tape g_tape;

// Index of the entry with this id, or -1 when it was freed.
std::int64_t find_entry(std::uint64_t id) {
    auto& e = g_tape.entries;
    auto it =
        std::lower_bound(e.begin(), e.end(), id, [](const Entry& x, std::uint64_t v) { return x.id < v; });
    return it != e.end() && it->id == id ? it - e.begin() : -1;
}

// The frame a backward function's errors are reported in.
std::string backward_of(const char* op) { return fmt::format("backward of {}", op); }

// True when `target` broadcasts to `g`, so that sum_to_shape can reduce g to it.
bool reducible_to(const Shape& g, const Shape& target) {
    if (target.ndim() > g.ndim()) return false;
    const std::int64_t lead = g.ndim() - target.ndim();
    for (std::int64_t d = 0; d < target.ndim(); ++d)
        if (target[d] != 1 && target[d] != g[lead + d]) return false;
    return true;
}

// Gradient `g` for input `k` of `op`'s entry (shaped like the input, or like the op's
// output when the op broadcast the input) reduced to the input's shape.
Tensor reduce_to(const Tensor& g, const Shape& target, const char* op, std::size_t k) {
    if (g.shape() == target) return g;
    NABLA_CHECK(reducible_to(g.shape(), target), backward_of(op),
                "returned a gradient of shape {} for input {} of shape {}; a gradient has the input's shape "
                "or a shape the input broadcasts to",
                g.shape(), k, target);
    Tensor r = empty(target);
    sum_to_shape(r.data(), target, g.data(), g.shape());
    return r;
}

Tensor add_tensors(const Tensor& a, const Tensor& b) {
    Tensor r = empty(a.shape());
    binary_forward(BinaryOp::add, r.data(), a.shape(), a.data(), a.shape(), b.data(), b.shape());
    return r;
}

// The engine's one accumulation rule. Leaves own their .grad() (cloned on first
// arrival, then added in place); non-leaves get out-of-place sums because a first
// gradient may be shared with another slot.
void accumulate(TensorImpl& slot, const Tensor& g) {
    if (!slot.grad) {
        slot.grad = slot.producer == 0 ? g.clone().impl_ptr() : g.impl_ptr();
        return;
    }
    Tensor cur(slot.grad);
    if (slot.producer == 0) {
        binary_forward(BinaryOp::add, cur.data(), cur.shape(), cur.data(), cur.shape(), g.data(), g.shape());
        cur.bump_version();
    } else {
        slot.grad = add_tensors(cur, g).impl_ptr();
    }
}

}  // namespace

SavedTensor::SavedTensor(const Tensor& t) : t_(t.defined() ? t.detach() : Tensor()) {
    if (t_.defined()) version_ = t_.impl()->storage->version();
}

const Tensor& SavedTensor::get() const {
    if (t_.defined()) {
        const auto now = t_.impl()->storage->version();
        NABLA_CHECK(now == version_, "saved tensor",
                    "the data of shape {} was modified in place after it was saved (version {} -> {}); do "
                    "in-place updates (optimizer steps) after backward",
                    t_.shape(), version_, now);
    }
    return t_;
}

GradMask::GradMask(std::initializer_list<bool> wants) : size_(wants.size()) {
    NABLA_CHECK(wants.size() <= max_inputs, "GradMask", "{} flags, at most {}", wants.size(), max_inputs);
    std::size_t k = 0;
    for (bool w : wants) bits_ |= std::uint64_t(w) << k++;
}

GradMask grad_mask(std::span<const Tensor* const> inputs) {
    NABLA_CHECK(inputs.size() <= GradMask::max_inputs, "record", "{} inputs, at most {} per tape entry",
                inputs.size(), GradMask::max_inputs);
    GradMask m;
    m.size_ = inputs.size();
    std::size_t k = 0;
    for (const Tensor* t : inputs) {
        if (t && t->defined() && t->requires_grad()) m.bits_ |= std::uint64_t{1} << k;
        ++k;
    }
    return m;
}

GradMask grad_mask(std::initializer_list<const Tensor*> inputs) {
    return grad_mask(std::span<const Tensor* const>(inputs.begin(), inputs.size()));
}

bool needs_grad(std::span<const Tensor* const> inputs) {
    return is_grad_enabled() && grad_mask(inputs).any();
}

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
    return needs_grad(std::span<const Tensor* const>(inputs.begin(), inputs.size()));
}

void record(const char* op, std::initializer_list<const Tensor*> inputs, Tensor& output, BackwardFn fn) {
    record(op, std::span<const Tensor* const>(inputs.begin(), inputs.size()), output, std::move(fn));
}

void record(const char* op, std::span<const Tensor* const> inputs, Tensor& output, BackwardFn fn) {
    if (is_anomaly_enabled()) [[unlikely]]
        check_finite_output(op, inputs, output);
    if (is_op_profiling()) [[unlikely]]
        profile_forward(op);
    auto& tape = g_tape;
    if (tape.entries.size() >= tape.prune_at) prune_tape();
    Entry e;
    e.id = tape.next_id++;
    e.op = op;
    e.wants = grad_mask(inputs);
    e.inputs.reserve(inputs.size());
    std::size_t k = 0;
    for (const Tensor* t : inputs) e.inputs.push_back(e.wants[k++] ? t->impl_ptr() : nullptr);
    e.output = output.impl_ptr();
    e.fn = std::move(fn);
    output.impl()->requires_grad = true;
    output.impl()->producer = e.id;
    tape.entries.push_back(std::move(e));
    if (is_tracing()) [[unlikely]]
        trace_recorded(op, output);
}

void prune_tape() {
    auto& e = g_tape.entries;
    // Reverse order: freeing entry i releases its inputs, which can only expire
    // outputs of earlier entries, so one pass catches the whole cascade.
    for (auto it = e.rbegin(); it != e.rend(); ++it)
        if (it->output.expired()) {
            it->inputs.clear();
            it->fn = nullptr;
            it->done = true;
        }
    std::erase_if(e, [](const Entry& x) { return x.done; });
    g_tape.prune_at = std::max<std::size_t>(4096, 2 * e.size());
}

std::uint64_t next_tape_id() { return g_tape.next_id; }

void discard_tape_entries_since(std::uint64_t first_id) {
    std::erase_if(g_tape.entries, [first_id](const Entry& x) { return x.id >= first_id; });
}

std::int64_t tape_size() { return static_cast<std::int64_t>(g_tape.entries.size()); }

namespace {

void run_entry(Entry& e, bool retain_graph) {
    auto out = e.output.lock();
    if (!out || !out->grad) return;
    Tensor gout(out->grad);
    out->grad.reset();  // non-leaf gradients are transient
    if (!e.fn) return;
    const bool profiling = is_op_profiling();
    const auto t0 = profiling ? ProfileClock::now() : ProfileClock::time_point();
    std::vector<Tensor> grads;
    try {
        grads = e.fn(gout, e.wants);
    } catch (const Error& err) {
        throw err.with_context(backward_of(e.op));
    }
    NABLA_CHECK(grads.size() == e.inputs.size(), backward_of(e.op),
                "returned {} gradients for {} inputs; a backward function returns exactly one per input "
                "(an undefined Tensor for an input without one)",
                grads.size(), e.inputs.size());
    const bool anomaly = is_anomaly_enabled();
    for (size_t k = 0; k < grads.size(); ++k) {
        TensorImpl* in = e.inputs[k].get();
        if (!in || !grads[k].defined()) continue;
        if (anomaly) [[unlikely]]
            check_finite_gradient(e.op, k, in->shape, grads[k], gout);
        NABLA_CHECK(in->producer == 0 || find_entry(in->producer) >= 0, backward_of(e.op),
                    "input {} of shape {} comes from a graph an earlier backward already freed; call "
                    "backward(grad, /*retain_graph=*/true) the first time to run it again",
                    k, in->shape);
        accumulate(*in, reduce_to(grads[k], in->shape, e.op, k));
    }
    if (!retain_graph) e.done = true;
    if (profiling) [[unlikely]]
        profile_backward(e.op, t0);
}

// For each entry index in [0, start], the hooked leaves whose last contributing entry
// (the lowest index that takes them as input) it is: once the walk has passed it, their
// gradients are final. Empty when no hook is registered, so plain backward pays nothing.
std::vector<std::vector<detail::LeafHook>> leaf_hooks_by_last_entry(const std::vector<Entry>& entries,
                                                                    std::int64_t start) {
    if (!detail::has_grad_hooks()) return {};
    std::vector<detail::LeafHook> hooks = detail::leaf_hooks();
    std::vector<std::vector<detail::LeafHook>> at(size_t(start + 1));
    if (hooks.empty()) return at;
    std::unordered_map<const TensorImpl*, std::int64_t> last;
    for (const auto& h : hooks) last.emplace(h.leaf, -1);
    for (std::int64_t i = start; i >= 0; --i)
        for (const auto& in : entries[size_t(i)].inputs)
            if (in)
                if (auto it = last.find(in.get()); it != last.end()) it->second = i;
    for (const auto& h : hooks)
        if (const std::int64_t i = last[h.leaf]; i >= 0) at[size_t(i)].push_back(h);
    return at;
}

}  // namespace

void run_backward(const Tensor& root, const Tensor& grad_output, bool retain_graph) {
    NABLA_CHECK(root.defined(), "backward", "called on an undefined tensor");
    NABLA_CHECK(root.requires_grad(), "backward",
                "tensor of shape {} does not require grad (no input needed a gradient, or it was computed "
                "under NoGradGuard)",
                root.shape());
    Tensor g = grad_output;
    if (!g.defined()) {
        NABLA_CHECK(root.numel() == 1, "backward",
                    "called on a tensor of shape {} without a gradient: only a one-element tensor (a loss) "
                    "has an implicit gradient of 1; pass grad_output",
                    root.shape());
        g = ones(root.shape());
    }
    NABLA_CHECK(g.shape() == root.shape(), "backward", "grad_output has shape {}, the tensor {}", g.shape(),
                root.shape());
    if (root.is_leaf()) {
        accumulate(*root.impl(), g);
        if (detail::has_grad_hooks()) detail::run_backward_end_hooks();
        return;
    }
    const std::int64_t start = find_entry(root.impl()->producer);
    NABLA_CHECK(start >= 0, "backward",
                "the graph behind this tensor was already freed by an earlier backward; call "
                "backward(grad, /*retain_graph=*/true) the first time to run it again");

    NoGradGuard no_grad;  // backward functions compute plain values, never record
    auto& entries = g_tape.entries;
    // Entries that ran are freed only after the walk: an entry's inputs are often the only
    // owners of earlier entries' outputs (a named loss keeps nothing but itself alive), so
    // releasing them mid-walk would drop the rest of the graph unrun.
    struct Cleanup {
        std::vector<Entry>& entries;
        std::int64_t start;
        bool finished = false;
        ~Cleanup() {
            if (!finished)  // a backward function threw: drop the transient non-leaf gradients
                for (std::int64_t i = start; i >= 0; --i)
                    if (auto out = entries[size_t(i)].output.lock()) out->grad.reset();
            std::erase_if(entries, [](const Entry& x) { return x.done; });
        }
    } cleanup{entries, start};
    root.impl()->grad = g.impl_ptr();
    const std::vector<std::vector<detail::LeafHook>> ready_at = leaf_hooks_by_last_entry(entries, start);
    for (std::int64_t i = start; i >= 0; --i) {
        run_entry(entries[size_t(i)], retain_graph);
        if (!ready_at.empty())
            for (const detail::LeafHook& h : ready_at[size_t(i)]) (*h.fn)();
    }
    cleanup.finished = true;
    if (is_op_profiling()) [[unlikely]]
        profile_backward_end();
    if (detail::has_grad_hooks()) detail::run_backward_end_hooks();
}

}  // namespace nabla
