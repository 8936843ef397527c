#pragma once
// Gradient hooks: callbacks run by backward() on this thread, for code that must act on
// gradients while backward is still running (data parallelism starts communicating a
// bucket of gradients as soon as they are final).
//
//  - on_gradient_ready(leaf, fn): fn runs once per backward() in which the walk passes the
//    last tape entry that can add to `leaf`'s gradient, whether or not that entry ran, so
//    .grad() holds its final value for this backward (it stays undefined when no entry gave
//    it one). A leaf no entry of this backward's graph reaches gets no call.
//  - on_backward_end(fn): fn runs after every backward() on this thread that finished
//    without throwing, after all gradient-ready calls.
// Hooks run with grad mode off and must not start another backward. A hook lives as long as
// the returned handle (RAII); dropping the handle unregisters it.
#include "core/tensor.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace nabla {

class GradHookHandle {
public:
    GradHookHandle() = default;
    explicit GradHookHandle(std::uint64_t id) : id_(id) {}
    GradHookHandle(GradHookHandle&& other) noexcept : id_(other.id_) { other.id_ = 0; }
    GradHookHandle& operator=(GradHookHandle&& other) noexcept;
    GradHookHandle(const GradHookHandle&) = delete;
    GradHookHandle& operator=(const GradHookHandle&) = delete;
    ~GradHookHandle() { reset(); }
    void reset();  // unregisters now

private:
    std::uint64_t id_ = 0;
};

[[nodiscard]] GradHookHandle on_gradient_ready(const Tensor& leaf, std::function<void()> fn);
[[nodiscard]] GradHookHandle on_backward_end(std::function<void()> fn);

namespace detail {
// The engine's side (autograd/tape.cpp). A registered leaf hook, looked up by the leaf.
struct LeafHook {
    const TensorImpl* leaf;
    std::shared_ptr<std::function<void()>> fn;
};
bool has_grad_hooks();
std::vector<LeafHook> leaf_hooks();  // in registration order
void run_backward_end_hooks();
}  // namespace detail

}  // namespace nabla
