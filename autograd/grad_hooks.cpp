#include "autograd/grad_hooks.h"

#include <algorithm>
#include <memory>
#include <vector>

namespace nabla {

namespace {

struct Hook {
    std::uint64_t id = 0;
    std::weak_ptr<TensorImpl> leaf;  // expired or null for a backward-end hook
    bool at_end = false;
    std::shared_ptr<std::function<void()>> fn;  // shared: a hook may unregister hooks while running
};

thread_local std::vector<Hook> g_hooks;
thread_local std::uint64_t g_next_id = 1;

std::uint64_t add(Hook h) {
    h.id = g_next_id++;
    g_hooks.push_back(std::move(h));
    return g_hooks.back().id;
}

}  // namespace

GradHookHandle& GradHookHandle::operator=(GradHookHandle&& other) noexcept {
    if (this != &other) {
        reset();
        id_ = other.id_;
        other.id_ = 0;
    }
    return *this;
}

void GradHookHandle::reset() {
    if (id_ == 0) return;
    std::erase_if(g_hooks, [id = id_](const Hook& h) { return h.id == id; });
    id_ = 0;
}

GradHookHandle on_gradient_ready(const Tensor& leaf, std::function<void()> fn) {
    return GradHookHandle(add({.leaf = leaf.impl_ptr(), .fn = std::make_shared<std::function<void()>>(fn)}));
}

GradHookHandle on_backward_end(std::function<void()> fn) {
    return GradHookHandle(
        add({.leaf = {}, .at_end = true, .fn = std::make_shared<std::function<void()>>(fn)}));
}

namespace detail {

bool has_grad_hooks() { return !g_hooks.empty(); }

std::vector<LeafHook> leaf_hooks() {
    std::vector<LeafHook> out;
    for (const Hook& h : g_hooks)
        if (!h.at_end)
            if (auto p = h.leaf.lock()) out.push_back({p.get(), h.fn});
    return out;
}

void run_backward_end_hooks() {
    std::vector<std::shared_ptr<std::function<void()>>> fns;
    for (const Hook& h : g_hooks)
        if (h.at_end) fns.push_back(h.fn);
    for (const auto& fn : fns) (*fn)();
}

}  // namespace detail

}  // namespace nabla
