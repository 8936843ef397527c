#pragma once
// RAII guards for the global modes the library sets with a plain setter. A case sets a
// mode only through a guard (the library's own NoGradGuard and DetectAnomalyGuard, or
// one of these), so the mode is restored however the case ends, a failed REQUIRE
// included, and never leaks into the cases that run after it in the same process.
#include <nabla.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace nabla::test {

// Sets one environment variable for its scope (child processes inherit it), then puts back
// what was there, or unsets it.
class EnvGuard {
public:
    EnvGuard(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) prev_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~EnvGuard() {
        if (prev_)
            ::setenv(name_.c_str(), prev_->c_str(), 1);
        else
            ::unsetenv(name_.c_str());
    }
    EnvGuard(const EnvGuard&) = delete;
    EnvGuard& operator=(const EnvGuard&) = delete;

private:
    std::string name_;
    std::optional<std::string> prev_;
};

// Sets grad mode with set_grad_enabled(on) for its scope.
class GradModeGuard {
public:
    explicit GradModeGuard(bool on) : prev_(is_grad_enabled()) { set_grad_enabled(on); }
    ~GradModeGuard() { set_grad_enabled(prev_); }
    GradModeGuard(const GradModeGuard&) = delete;
    GradModeGuard& operator=(const GradModeGuard&) = delete;

private:
    bool prev_;
};

// NaN-poisons the memory empty() hands out (on) for its scope, so an unwritten output shows up.
class PoisonGuard {
public:
    explicit PoisonGuard(bool on = true) : prev_(set_poison_uninitialized(on)) {}
    ~PoisonGuard() { set_poison_uninitialized(prev_); }
    PoisonGuard(const PoisonGuard&) = delete;
    PoisonGuard& operator=(const PoisonGuard&) = delete;

private:
    bool prev_;
};

}  // namespace nabla::test
