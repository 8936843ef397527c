#pragma once
// Module: the base of every layer and model. It owns named state of three kinds:
// parameters (trainable, requires_grad, handed to optimizers), buffers (running
// statistics and counters: saved with the model, never trained) and child modules.
// Every query recurses in registration order with dotted names ("0.weight",
// "features.1.running_mean"). Modules are movable but not copyable, so a copy never
// silently shares or forgets state. The train/eval mode is separate from grad mode.
#include "autograd/trace.h"
#include "core/tensor.h"

#include <fmt/format.h>

#include <cstdint>
#include <deque>
#include <iosfwd>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace nabla::nn {

class Module {
public:
    Module() = default;
    virtual ~Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;
    Module(Module&&) = default;
    Module& operator=(Module&&) = default;

    virtual Tensor forward(const Tensor& x) = 0;
    // Runs forward; while an op observer is installed (autograd/trace.h) it is told that this
    // module's forward starts and ends, so it can name the module an op ran in.
    Tensor operator()(const Tensor& x) { return is_tracing() ? traced_forward(x) : forward(x); }

    // Shared parameters (the same tensor registered twice) are listed once.
    std::vector<Tensor> parameters() const;
    std::vector<std::pair<std::string, Tensor>> named_parameters() const;
    std::vector<Tensor> buffers() const;
    std::vector<std::pair<std::string, Tensor>> named_buffers() const;
    // Direct children only / every descendant (dotted names, the root excluded).
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules() const;

    // Sets the mode of this module and every descendant; layers read is_training().
    void train(bool on = true);
    void eval() { train(false); }
    bool is_training() const { return training_; }

    void zero_grad();                      // clears .grad() of every parameter
    std::int64_t parameter_count() const;  // trainable scalars

    virtual std::string name() const = 0;                  // "Linear"
    virtual std::string extra_repr() const { return ""; }  // "in=784, out=256, bias=false"
    // PyTorch-style tree. The root shows its mode ("mode=train"); a descendant whose
    // mode differs from its parent's shows its own, so a half-switched model is visible.
    std::string repr() const;

protected:
    // Registers `t` as a trainable leaf (sets requires_grad) and returns the stored
    // handle; layers keep a copy of it (copies share the data).
    Tensor& register_parameter(std::string name, Tensor t);
    Tensor& register_buffer(std::string name, Tensor t);
    template <class M>
    std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> m) {
        add_child(std::move(name), m);
        return m;
    }
    void add_child(std::string name, std::shared_ptr<Module> m);

private:
    Tensor traced_forward(const Tensor& x);
    void check_new_name(const std::string& name) const;
    void collect(const std::string& prefix, bool params,
                 std::vector<std::pair<std::string, Tensor>>& out) const;
    void repr_into(std::string& out, int indent, const Module* parent) const;

    // Deques keep the Tensor& returned by register_* valid as more state is added.
    std::deque<std::pair<std::string, Tensor>> parameters_;
    std::deque<std::pair<std::string, Tensor>> buffers_;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
    bool training_ = true;
};

// std::cout << model prints model.repr(), as fmt::print("{}", model) does. Argument-dependent
// lookup finds it for every subclass, a user's own included.
std::ostream& operator<<(std::ostream& os, const Module& m);

}  // namespace nabla::nn

// fmt::print("{}", model) prints model.repr(); works for every Module subclass.
// clang-format off
template <class M>
    requires std::is_base_of_v<nabla::nn::Module, M>
// clang-format on
struct fmt::formatter<M> : fmt::formatter<std::string> {
    auto format(const M& m, format_context& ctx) const {
        return fmt::formatter<std::string>::format(m.repr(), ctx);
    }
};
