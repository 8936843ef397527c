#include "optim/optimizer.h"

#include "autograd/grad_mode.h"
#include "core/error.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

namespace nabla::optim {

Optimizer::Optimizer(std::string name, std::vector<std::vector<Tensor>> groups)
    : name_(std::move(name)), groups_(std::move(groups)) {
    std::set<const TensorImpl*> seen;
    std::size_t index = 0;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        for (const Tensor& p : groups_[g]) {
            NABLA_CHECK(p.defined(), name_, "parameter {} (group {}) is undefined", index, g);
            NABLA_CHECK(p.is_leaf(), name_,
                        "parameter {} (group {}) is not a leaf tensor: optimise the "
                        "tensor the graph starts from, not a result of ops",
                        index, g);
            NABLA_CHECK(seen.insert(p.impl()).second, name_,
                        "parameter {} (group {}) appears more than once in the parameter groups", index, g);
            ++index;
        }
    }
    NABLA_CHECK(index > 0, name_, "got an empty parameter list");
    state_.resize(index);
}

const std::vector<Tensor>& Optimizer::group_params(std::size_t group) const {
    NABLA_CHECK(group < groups_.size(), name_, "group {} out of range ({} groups)", group, groups_.size());
    return groups_[group];
}

std::vector<Tensor> Optimizer::parameters() const {
    std::vector<Tensor> all;
    for (const auto& group : groups_) all.insert(all.end(), group.begin(), group.end());
    return all;
}

void Optimizer::zero_grad() {
    for (const auto& group : groups_)
        for (Tensor p : group) p.set_grad(Tensor());
}

void Optimizer::step() {
    NoGradGuard no_grad;
    ++step_count_;
    const std::size_t slots = state_names().size();
    std::size_t index = 0;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        for (Tensor& p : groups_[g]) {
            std::vector<Tensor>& state = state_[index++];
            const Tensor grad = p.grad();
            if (!grad.defined()) continue;
            NABLA_CHECK(grad.shape() == p.shape(), name_,
                        "gradient shape {} does not match parameter shape {}", grad.shape(), p.shape());
            state.resize(slots);
            update(g, p, grad, state);
            p.bump_version();
        }
    }
}

StateDict Optimizer::state_dict() const {
    StateDict out;
    out.emplace("step", encode_u64(step_count_));
    for (std::size_t g = 0; g < groups_.size(); ++g)
        out.emplace(fmt::format("param_groups.{}.lr", g), encode_f64(lr(g)));
    const std::vector<std::string> names = state_names();
    for (std::size_t i = 0; i < state_.size(); ++i)
        for (std::size_t s = 0; s < state_[i].size(); ++s)
            if (state_[i][s].defined())
                out.emplace(fmt::format("state.{}.{}", i, names[s]), state_[i][s].clone());
    return out;
}

void Optimizer::load_state_dict(const StateDict& state) {
    LoadErrors errors(name_.c_str());
    const Shape scalar_code({4});
    std::set<std::string> known;
    known.insert("step");
    errors.expect(state, "step", scalar_code);
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const std::string key = fmt::format("param_groups.{}.lr", g);
        known.insert(key);
        errors.expect(state, key, scalar_code);
    }
    // A parameter has either all of its state tensors (it was stepped) or none.
    const std::vector<std::string> names = state_names();
    const std::vector<Tensor> params = parameters();
    std::vector<bool> has_state(params.size(), false);
    for (std::size_t i = 0; i < params.size(); ++i) {
        std::size_t present = 0;
        for (const std::string& n : names) {
            const std::string key = fmt::format("state.{}.{}", i, n);
            known.insert(key);
            if (state.count(key)) ++present;
        }
        if (present == 0) continue;
        has_state[i] = true;
        for (const std::string& n : names)
            errors.expect(state, fmt::format("state.{}.{}", i, n), params[i].shape());
    }
    for (const auto& entry : state)
        if (!known.count(entry.first)) errors.add(fmt::format("unexpected key '{}'", entry.first));
    errors.throw_if_any();

    // Values are decoded before anything changes, so a bad encoding leaves the optimizer as it was.
    const std::uint64_t steps = decode_u64(state.at("step"), name_.c_str(), "step");
    std::vector<double> lrs;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const std::string key = fmt::format("param_groups.{}.lr", g);
        lrs.push_back(decode_f64(state.at(key), name_.c_str(), key));
    }
    for (std::size_t g = 0; g < groups_.size(); ++g)
        NABLA_CHECK(std::isfinite(lrs[g]) && lrs[g] >= 0.0, name_,
                    "'param_groups.{}.lr' holds an invalid learning rate: {}", g, lrs[g]);
    step_count_ = steps;
    for (std::size_t g = 0; g < groups_.size(); ++g) set_lr(g, lrs[g]);
    for (std::size_t i = 0; i < params.size(); ++i) {
        state_[i].clear();
        if (!has_state[i]) continue;
        for (const std::string& n : names)
            state_[i].push_back(state.at(fmt::format("state.{}.{}", i, n)).clone());
    }
}

DecaySplit split_decay(const std::vector<std::pair<std::string, Tensor>>& named_parameters) {
    DecaySplit split;
    for (const auto& [name, p] : named_parameters) {
        NABLA_CHECK(p.defined(), "split_decay", "parameter '{}' is undefined", name);
        if (p.dim() <= 1) {
            split.no_decay.push_back(p);
            split.no_decay_names.push_back(name);
        } else {
            split.decay.push_back(p);
            split.decay_names.push_back(name);
        }
    }
    return split;
}

}  // namespace nabla::optim
