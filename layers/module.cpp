#include "layers/module.h"

#include "autograd/grad_mode.h"
#include "core/error.h"

#include <algorithm>
#include <iterator>
#include <ostream>
#include <unordered_set>

namespace nabla::nn {

Tensor Module::traced_forward(const Tensor& x) {
    struct Scope {
        explicit Scope(const Module* m) { trace_enter_module(m); }
        ~Scope() { trace_exit_module(); }
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;
    } scope(this);
    return forward(x);
}

namespace {
std::string join(const std::string& prefix, const std::string& name) {
    return prefix.empty() ? name : prefix + "." + name;
}
const char* mode_name(bool training) { return training ? "train" : "eval"; }
}  // namespace

void Module::check_new_name(const std::string& name) const {
    NABLA_CHECK(!name.empty() && name.find('.') == std::string::npos, this->name(),
                "invalid state name '{}': names are non-empty and contain no '.'", name);
    auto taken = [&](const auto& list) {
        return std::any_of(list.begin(), list.end(), [&](const auto& kv) { return kv.first == name; });
    };
    NABLA_CHECK(!taken(parameters_) && !taken(buffers_) && !taken(children_), this->name(),
                "'{}' is already registered", name);
}

Tensor& Module::register_parameter(std::string name, Tensor t) {
    check_new_name(name);
    NABLA_CHECK(t.defined() && t.is_leaf(), this->name(), "parameter '{}' must be a defined leaf tensor",
                name);
    t.requires_grad_(true);
    parameters_.emplace_back(std::move(name), std::move(t));
    return parameters_.back().second;
}

Tensor& Module::register_buffer(std::string name, Tensor t) {
    check_new_name(name);
    NABLA_CHECK(t.defined(), this->name(), "buffer '{}' must be a defined tensor", name);
    buffers_.emplace_back(std::move(name), std::move(t));
    return buffers_.back().second;
}

void Module::add_child(std::string name, std::shared_ptr<Module> m) {
    check_new_name(name);
    NABLA_CHECK(m != nullptr, this->name(), "module '{}' is null", name);
    children_.emplace_back(std::move(name), std::move(m));
}

void Module::collect(const std::string& prefix, bool params,
                     std::vector<std::pair<std::string, Tensor>>& out) const {
    for (const auto& [n, t] : params ? parameters_ : buffers_) out.emplace_back(join(prefix, n), t);
    for (const auto& [n, child] : children_) child->collect(join(prefix, n), params, out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
    std::vector<std::pair<std::string, Tensor>> all, unique;
    collect("", true, all);
    // A tensor shared by two modules (tied weights) is one parameter: list it once,
    // under its first name, so an optimizer never steps it twice.
    std::unordered_set<const TensorImpl*> seen;
    for (auto& kv : all)
        if (seen.insert(kv.second.impl()).second) unique.push_back(std::move(kv));
    return unique;
}

std::vector<Tensor> Module::parameters() const {
    std::vector<Tensor> out;
    for (auto& kv : named_parameters()) out.push_back(std::move(kv.second));
    return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
    std::vector<std::pair<std::string, Tensor>> out;
    collect("", false, out);
    return out;
}

std::vector<Tensor> Module::buffers() const {
    std::vector<Tensor> out;
    for (auto& kv : named_buffers()) out.push_back(std::move(kv.second));
    return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const {
    return {children_.begin(), children_.end()};
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() const {
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
    for (const auto& [n, child] : children_) {
        out.emplace_back(n, child);
        for (auto& [sub, m] : child->named_modules()) out.emplace_back(join(n, sub), std::move(m));
    }
    return out;
}

void Module::train(bool on) {
    training_ = on;
    for (auto& kv : children_) kv.second->train(on);
}

void Module::zero_grad() {
    for (Tensor& p : parameters()) p.set_grad(Tensor());
}

std::int64_t Module::parameter_count() const {
    std::int64_t n = 0;
    for (const Tensor& p : parameters())
        if (p.requires_grad()) n += p.numel();
    return n;
}

void Module::repr_into(std::string& out, int indent, const Module* parent) const {
    const bool show_mode = parent == nullptr || parent->is_training() != is_training();
    std::string head = extra_repr();
    if (show_mode) {
        const std::string mode = fmt::format("mode={}", mode_name(is_training()));
        head = head.empty() ? mode : children_.empty() ? head + ", " + mode : mode + ", " + head;
    }
    fmt::format_to(std::back_inserter(out), "{}({}", name(), head);
    if (children_.empty()) {
        out += ')';
        return;
    }
    for (const auto& [n, child] : children_) {
        fmt::format_to(std::back_inserter(out), "\n{:{}}({}): ", "", indent + 2, n);
        child->repr_into(out, indent + 2, this);
    }
    fmt::format_to(std::back_inserter(out), "\n{:{}})", "", indent);
}

std::string Module::repr() const {
    std::string out;
    repr_into(out, 0, nullptr);
    return out;
}

std::ostream& operator<<(std::ostream& os, const Module& m) { return os << m.repr(); }

}  // namespace nabla::nn
