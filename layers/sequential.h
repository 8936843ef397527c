#pragma once
// Sequential: runs its children in order, each on the previous one's output.
// Children are named "0", "1", ... so parameters read "0.weight", "1.running_mean", and an
// error inside a child names its position too: "3: Linear: expected input [*, 784], ...".
//   Sequential net;
//   net.append(Linear({.in = 784, .out = 256, .bias = false}));
//   net.append(BatchNorm1d({.num_features = 256}));
//   net.append(ReLU());
#include "core/error.h"
#include "layers/module.h"

#include <concepts>
#include <memory>
#include <type_traits>

namespace nabla::nn {

class Sequential : public Module {
public:
    Sequential() = default;
    // The installed clang-format mangles requires-clauses.
    // clang-format off

    // Sequential(Linear(...), BatchNorm1d(...), ReLU()): each module moved in, in order.
    // (A single Sequential argument is moved, not nested: use append() to nest.)
    template <class... Ms>
        requires(sizeof...(Ms) > 0 && (... && (std::derived_from<std::remove_cvref_t<Ms>, Module> &&
                                               !std::is_lvalue_reference_v<Ms>)))
    explicit Sequential(Ms&&... ms) {
        (append(std::move(ms)), ...);
    }

    // Takes a module by value (moved in) and returns a reference to the stored one.
    template <class M>
        requires std::derived_from<std::remove_cvref_t<M>, Module> && (!std::is_lvalue_reference_v<M>)
    std::remove_cvref_t<M>& append(M&& m) {
        auto p = std::make_shared<std::remove_cvref_t<M>>(std::move(m));
        append(p);
        return *p;
    }
    // Shares an existing module (the caller keeps a handle to it).
    template <class M>
        requires std::derived_from<M, Module>
    M& append(std::shared_ptr<M> m) {
        add_child(std::to_string(modules_.size()), m);
        modules_.push_back(m);
        return *m;
    }
    // clang-format on
    // Moves every child of `other` to the end of this one, flat (no nested "0.0.").
    void extend(Sequential&& other);

    Module& operator[](size_t i) const;
    std::shared_ptr<Module> ptr(size_t i) const;
    // The i-th child as its concrete type; throws if it is not an M.
    template <class M>
    M& at(size_t i) const {
        auto* m = dynamic_cast<M*>(&(*this)[i]);
        if (m == nullptr) throw_wrong_type(i);
        return *m;
    }
    size_t size() const { return modules_.size(); }
    bool empty() const { return modules_.empty(); }

    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "Sequential"; }

private:
    [[noreturn]] void throw_wrong_type(size_t i) const;
    Error in_child(const Error& e, size_t i) const;  // e as seen from the i-th child's position
    std::vector<std::shared_ptr<Module>> modules_;
};

}  // namespace nabla::nn
