#pragma once
// Optimizer: the base every optimizer shares. It holds parameter groups (each with
// its own options, so biases and BN's gamma/beta can skip weight decay), one step
// counter, and per-parameter state tensors (momentum buffers, Adam moments) that
// save and load by name. step() runs under NoGradGuard, skips parameters without a
// gradient, writes through data() and bumps each updated parameter's version.
#include "optim/state.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nabla::optim {

// a + alpha * b with one rounding: PyTorch's `a.add(b, alpha=alpha)` on CPU is a
// fused multiply-add, and the update rules here follow its rounding.
inline float add_scaled(float a, float alpha, float b) { return std::fma(alpha, b, a); }

// Parameters plus the options of the optimizer that will own them.
template <class Options>
struct ParamGroup {
    std::vector<Tensor> params;
    Options options;
};

class Optimizer {
public:
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    void zero_grad();  // clears every parameter's gradient
    void step();

    const std::string& name() const { return name_; }
    std::size_t num_groups() const { return groups_.size(); }
    const std::vector<Tensor>& group_params(std::size_t group) const;
    std::vector<Tensor> parameters() const;  // all groups, in order
    std::uint64_t step_count() const { return step_count_; }

    // The learning rate of a group; schedulers drive these.
    virtual double lr(std::size_t group) const = 0;
    virtual void set_lr(std::size_t group, double lr) = 0;

    // A snapshot (cloned tensors). Keys: "step"; "param_groups.<g>.lr"; and for
    // parameter i (numbered across groups in order) that has state,
    // "state.<i>.<name>" (e.g. "state.3.momentum_buffer", "state.3.exp_avg").
    StateDict state_dict() const;
    // Checks every key and shape against this optimizer's parameters, reports all
    // mismatches in one error, and only then copies the values in.
    void load_state_dict(const StateDict& state);

protected:
    Optimizer(std::string name, std::vector<std::vector<Tensor>> groups);

    // Names of the per-parameter state tensors, e.g. {"exp_avg", "exp_avg_sq"}.
    virtual std::vector<std::string> state_names() const = 0;
    // Updates one parameter in place from its gradient. `state` holds one tensor
    // per state_names() entry, all undefined until the first update creates them.
    // step_count() already counts this step.
    virtual void update(std::size_t group, Tensor& param, const Tensor& grad, std::vector<Tensor>& state) = 0;

private:
    std::string name_;
    std::vector<std::vector<Tensor>> groups_;
    std::vector<std::vector<Tensor>> state_;  // per parameter, numbered across groups
    std::uint64_t step_count_ = 0;
};

// Keeps each group's options beside the base's parameter groups. Each Options type
// comes with a free `void validate(const Options&)` (found by argument-dependent
// lookup) that throws nabla::Error naming the optimizer and the offending value.
template <class Options>
class OptimizerWith : public Optimizer {
public:
    const Options& options(std::size_t group) const { return options_.at(group); }
    double lr(std::size_t group) const override { return options_.at(group).lr; }
    void set_lr(std::size_t group, double lr) override {
        Options changed = options_.at(group);
        changed.lr = lr;
        validate(changed);
        options_.at(group) = changed;
    }

protected:
    OptimizerWith(std::string name, const std::vector<ParamGroup<Options>>& groups)
        : Optimizer(std::move(name), params_of(groups)) {
        for (const ParamGroup<Options>& g : groups) {
            validate(g.options);
            options_.push_back(g.options);
        }
    }

private:
    static std::vector<std::vector<Tensor>> params_of(const std::vector<ParamGroup<Options>>& groups) {
        std::vector<std::vector<Tensor>> out;
        for (const ParamGroup<Options>& g : groups) out.push_back(g.params);
        return out;
    }
    std::vector<Options> options_;
};

// Parameters split for weight decay. The rule: tensors with at most one dimension
// (biases, BatchNorm's gamma and beta) go to no_decay, everything else (weight
// matrices and conv kernels) to decay. Names are kept for printing.
struct DecaySplit {
    std::vector<Tensor> decay, no_decay;
    std::vector<std::string> decay_names, no_decay_names;
};
DecaySplit split_decay(const std::vector<std::pair<std::string, Tensor>>& named_parameters);

// Two groups for any optimizer: group 0 "decay" with `options`, group 1 "no decay"
// with the same options and weight_decay 0. Either may be empty.
template <class Options>
std::vector<ParamGroup<Options>> split_decay_groups(
    const std::vector<std::pair<std::string, Tensor>>& named_parameters, const Options& options) {
    DecaySplit split = split_decay(named_parameters);
    Options no_decay = options;
    no_decay.weight_decay = 0.0;
    return {{std::move(split.decay), options}, {std::move(split.no_decay), no_decay}};
}

}  // namespace nabla::optim
