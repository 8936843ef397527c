#pragma once
// The tape: reverse-mode autograd as a list of entries walked backwards.
//
// Each differentiable op validates its inputs, computes its output, and then, when
// grad mode is on and an input requires grad, appends one entry: the op's name, the
// inputs that want a gradient, a weak handle to the output, and a backward function.
// backward() walks the tape in reverse creation order from the root's entry, skips
// entries whose output received no gradient, and frees the entries it ran.
//
// Contract for a BackwardFn (every op and every extension must keep it):
//  - It receives grad_out, shaped like the entry's output, and `wants`: wants[k] is true
//    when input k is defined and requires grad. It returns exactly one Tensor per input,
//    in input order; an undefined Tensor means "no gradient". It need not compute what
//    is not wanted (the engine ignores a gradient for such an input), and it reads
//    `wants` rather than asking the inputs again.
//  - A returned gradient has the input's shape, or the output's shape when the op
//    broadcast that input: the engine alone reduces broadcast dimensions
//    (sum_to_shape), checks shapes and accumulates. A BackwardFn never adds into
//    anyone's .grad() itself and never modifies grad_out.
//  - It captures inputs and saved values (SavedTensor), never a strong handle to its
//    own output: that cycle would keep every step's graph alive. Save an output as
//    SavedTensor(output) (it keeps the data, not the autograd node).
#include "core/tensor.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <vector>

namespace nabla {

// Which inputs of a tape entry want a gradient: wants[k] is true when input k is
// defined and requires grad, the inputs whose gradients the engine accumulates (its
// non-null input slots). A plain value of up to max_inputs flags.
class GradMask {
public:
    static constexpr std::size_t max_inputs = 64;

    GradMask() = default;
    // One flag per input, for calling a BackwardFn by hand (e.g. in a test).
    GradMask(std::initializer_list<bool> wants);

    bool operator[](std::size_t k) const { return k < size_ && ((bits_ >> k) & 1u) != 0; }
    std::size_t size() const { return size_; }
    bool any() const { return bits_ != 0; }

private:
    friend GradMask grad_mask(std::span<const Tensor* const> inputs);
    std::uint64_t bits_ = 0;
    std::size_t size_ = 0;
};

// The mask record() gives these inputs' entry (grad mode aside). An op that saves a value
// only for one input's gradient asks it in forward, before recording.
GradMask grad_mask(std::initializer_list<const Tensor*> inputs);

using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_out, const GradMask& wants)>;

// A value kept for backward: shares the data, not the autograd node, and remembers
// the storage version so an in-place write before backward is an error, not a wrong
// gradient.
class SavedTensor {
public:
    SavedTensor() = default;
    explicit SavedTensor(const Tensor& t);
    const Tensor& get() const;  // throws if the data changed since it was saved
    bool defined() const { return t_.defined(); }

private:
    Tensor t_;
    std::uint64_t version_ = 0;
};

// True when grad mode is on and any defined input requires grad (grad_mask(inputs).any()).
bool needs_grad(std::initializer_list<const Tensor*> inputs);

// Appends an entry; `output` becomes a non-leaf that requires grad. `inputs` are the
// op's inputs in the order its BackwardFn returns gradients (undefined ones allowed; at
// most GradMask::max_inputs).
void record(const char* op, std::initializer_list<const Tensor*> inputs, Tensor& output, BackwardFn fn);

// The same three for an op whose number of inputs is known only at run time (cat).
GradMask grad_mask(std::span<const Tensor* const> inputs);
bool needs_grad(std::span<const Tensor* const> inputs);
void record(const char* op, std::span<const Tensor* const> inputs, Tensor& output, BackwardFn fn);

// Runs backward from `root` (see Tensor::backward).
void run_backward(const Tensor& root, const Tensor& grad_output, bool retain_graph);

// The id the next recorded entry will get, and the removal of every entry recorded since
// one: a forward run only to be observed (the ONNX exporter's trace) leaves the tape as it
// found it.
std::uint64_t next_tape_id();
void discard_tape_entries_since(std::uint64_t first_id);

// Entries currently held by this thread's tape (tests watch it).
std::int64_t tape_size();
// Drops entries whose output no longer exists (cascading); record() calls it as the
// tape grows, so graphs that are never backwarded do not pile up.
void prune_tape();

}  // namespace nabla
