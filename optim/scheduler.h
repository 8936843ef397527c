#pragma once
// Learning-rate schedulers. Each remembers the groups' learning rates at
// construction (the base lrs) and sets every group's lr to a closed-form function
// of (base lr, position). Construction applies position 0; step() advances one
// position: call it once per epoch or once per batch, as the schedule is meant
// (PyTorch's convention, after optimizer.step()). A scheduler refers to its
// optimizer, which must outlive it. Schedulers do not chain: one per optimizer.
#include "optim/optimizer.h"

#include <cstdint>
#include <vector>

namespace nabla::optim {

class LRScheduler {
public:
    virtual ~LRScheduler() = default;
    LRScheduler(const LRScheduler&) = delete;
    LRScheduler& operator=(const LRScheduler&) = delete;

    void step();
    std::int64_t last_epoch() const { return last_epoch_; }
    const std::vector<double>& base_lrs() const { return base_lrs_; }
    std::vector<double> last_lrs() const;  // the groups' current lrs

    // Keys "last_epoch" and "base_lrs.<g>" (exact encodings, see state.h). Loading
    // checks them, restores the position and reapplies its lrs to the optimizer.
    StateDict state_dict() const;
    void load_state_dict(const StateDict& state);

protected:
    LRScheduler(const char* name, Optimizer& optimizer);
    // Call at the end of a derived constructor: sets the lrs of position 0.
    void start() { apply(); }
    virtual double lr_at(double base_lr, std::int64_t epoch) const = 0;

private:
    void apply();
    const char* name_;
    Optimizer& optimizer_;
    std::vector<double> base_lrs_;
    std::int64_t last_epoch_ = 0;
};

// lr = base * gamma^(epoch / step_size) (integer division).
class StepLR : public LRScheduler {
public:
    StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1);

protected:
    double lr_at(double base_lr, std::int64_t epoch) const override;

private:
    std::int64_t step_size_;
    double gamma_;
};

// lr = eta_min + (base - eta_min) * (1 + cos(pi * epoch / T_max)) / 2; past T_max the
// cosine carries on (rising again), as PyTorch's does.
class CosineAnnealingLR : public LRScheduler {
public:
    CosineAnnealingLR(Optimizer& optimizer, std::int64_t t_max, double eta_min = 0.0);

protected:
    double lr_at(double base_lr, std::int64_t epoch) const override;

private:
    std::int64_t t_max_;
    double eta_min_;
};

// Linear warm-up: the factor on the base lr ramps from start_factor at position 0
// to 1 at position warmup_steps and stays 1 (PyTorch's LinearLR with end_factor 1).
class LinearWarmup : public LRScheduler {
public:
    LinearWarmup(Optimizer& optimizer, std::int64_t warmup_steps, double start_factor = 1.0 / 3.0);

protected:
    double lr_at(double base_lr, std::int64_t epoch) const override;

private:
    std::int64_t warmup_steps_;
    double start_factor_;
};

}  // namespace nabla::optim
