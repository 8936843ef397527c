#pragma once
// Grad mode: a thread-local switch that decides whether ops record on the tape.
// It is separate from a module's train/eval mode. Optimizer steps and evaluation
// run under NoGradGuard.

namespace nabla {

bool is_grad_enabled();
void set_grad_enabled(bool on);

// Turns recording off for its scope and restores the previous state on exit.
class NoGradGuard {
public:
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
    bool prev_;
};

}  // namespace nabla
