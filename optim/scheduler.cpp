#include "optim/scheduler.h"

#include "core/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace nabla::optim {

LRScheduler::LRScheduler(const char* name, Optimizer& optimizer) : name_(name), optimizer_(optimizer) {
    for (std::size_t g = 0; g < optimizer_.num_groups(); ++g) base_lrs_.push_back(optimizer_.lr(g));
}

void LRScheduler::step() {
    ++last_epoch_;
    apply();
}

void LRScheduler::apply() {
    for (std::size_t g = 0; g < base_lrs_.size(); ++g) optimizer_.set_lr(g, lr_at(base_lrs_[g], last_epoch_));
}

std::vector<double> LRScheduler::last_lrs() const {
    std::vector<double> lrs;
    for (std::size_t g = 0; g < optimizer_.num_groups(); ++g) lrs.push_back(optimizer_.lr(g));
    return lrs;
}

StateDict LRScheduler::state_dict() const {
    StateDict out;
    out.emplace("last_epoch", encode_u64(static_cast<std::uint64_t>(last_epoch_)));
    for (std::size_t g = 0; g < base_lrs_.size(); ++g)
        out.emplace(fmt::format("base_lrs.{}", g), encode_f64(base_lrs_[g]));
    return out;
}

void LRScheduler::load_state_dict(const StateDict& state) {
    LoadErrors errors(name_);
    errors.expect(state, "last_epoch", Shape({4}));
    for (std::size_t g = 0; g < base_lrs_.size(); ++g)
        errors.expect(state, fmt::format("base_lrs.{}", g), Shape({4}));
    for (const auto& entry : state) {
        const std::string& key = entry.first;
        bool known = key == "last_epoch";
        for (std::size_t g = 0; g < base_lrs_.size() && !known; ++g)
            known = key == fmt::format("base_lrs.{}", g);
        if (!known) errors.add(fmt::format("unexpected key '{}'", key));
    }
    errors.throw_if_any();

    const std::uint64_t epoch = decode_u64(state.at("last_epoch"), name_, "last_epoch");
    std::vector<double> bases;
    for (std::size_t g = 0; g < base_lrs_.size(); ++g) {
        const std::string key = fmt::format("base_lrs.{}", g);
        bases.push_back(decode_f64(state.at(key), name_, key));
    }
    last_epoch_ = static_cast<std::int64_t>(epoch);
    base_lrs_ = std::move(bases);
    apply();
}

StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma)
    : LRScheduler("StepLR", optimizer), step_size_(step_size), gamma_(gamma) {
    NABLA_CHECK(step_size > 0, "StepLR", "invalid step_size: {} (must be positive)", step_size);
    NABLA_CHECK(gamma > 0.0, "StepLR", "invalid gamma: {} (must be positive)", gamma);
    start();
}

double StepLR::lr_at(double base_lr, std::int64_t epoch) const {
    return base_lr * std::pow(gamma_, static_cast<double>(epoch / step_size_));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t t_max, double eta_min)
    : LRScheduler("CosineAnnealingLR", optimizer), t_max_(t_max), eta_min_(eta_min) {
    NABLA_CHECK(t_max > 0, "CosineAnnealingLR", "invalid T_max: {} (must be positive)", t_max);
    NABLA_CHECK(eta_min >= 0.0, "CosineAnnealingLR", "invalid eta_min: {} (must be >= 0)", eta_min);
    start();
}

double CosineAnnealingLR::lr_at(double base_lr, std::int64_t epoch) const {
    const double phase = std::numbers::pi * static_cast<double>(epoch) / static_cast<double>(t_max_);
    return eta_min_ + (base_lr - eta_min_) * (1.0 + std::cos(phase)) / 2.0;
}

LinearWarmup::LinearWarmup(Optimizer& optimizer, std::int64_t warmup_steps, double start_factor)
    : LRScheduler("LinearWarmup", optimizer), warmup_steps_(warmup_steps), start_factor_(start_factor) {
    NABLA_CHECK(warmup_steps > 0, "LinearWarmup", "invalid warmup_steps: {} (must be positive)",
                warmup_steps);
    NABLA_CHECK(start_factor > 0.0 && start_factor <= 1.0, "LinearWarmup",
                "invalid start_factor: {} (must be in (0, 1])", start_factor);
    start();
}

double LinearWarmup::lr_at(double base_lr, std::int64_t epoch) const {
    const auto progress =
        static_cast<double>(std::min(epoch, warmup_steps_)) / static_cast<double>(warmup_steps_);
    return base_lr * (start_factor_ + (1.0 - start_factor_) * progress);
}

}  // namespace nabla::optim
