// The listener of support/fresh_state.h.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include "support/fresh_state.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nabla.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

extern char** environ;

namespace nabla::test {

namespace {

bool g_leaked = false;

struct GlobalModes {
    bool grad = true, anomaly = false, poison = false;
    int threads = 0;
    std::string cwd;
    std::vector<std::string> env;  // NAME=VALUE, sorted
    bool operator==(const GlobalModes&) const = default;
};

bool poison_enabled() {
    const bool on = set_poison_uninitialized(false);
    set_poison_uninitialized(on);
    return on;
}

std::vector<std::string> environment() {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
    std::sort(env.begin(), env.end());
    return env;
}

GlobalModes current_modes() {
    return {is_grad_enabled(),
            is_anomaly_enabled(),
            poison_enabled(),
            get_num_threads(),
            std::filesystem::current_path().string(),
            environment()};
}

const char* on_off(bool on) { return on ? "on" : "off"; }

std::vector<std::string> changes(const GlobalModes& was, const GlobalModes& now) {
    std::vector<std::string> c;
    if (was.grad != now.grad)
        c.push_back(fmt::format("grad mode {} -> {}", on_off(was.grad), on_off(now.grad)));
    if (was.anomaly != now.anomaly)
        c.push_back(fmt::format("anomaly mode {} -> {}", on_off(was.anomaly), on_off(now.anomaly)));
    if (was.poison != now.poison)
        c.push_back(fmt::format("NaN poisoning {} -> {}", on_off(was.poison), on_off(now.poison)));
    if (was.threads != now.threads) c.push_back(fmt::format("threads {} -> {}", was.threads, now.threads));
    if (was.cwd != now.cwd) c.push_back(fmt::format("current directory {} -> {}", was.cwd, now.cwd));
    for (const std::string& kv : was.env)
        if (!std::binary_search(now.env.begin(), now.env.end(), kv)) c.push_back("environment lost " + kv);
    for (const std::string& kv : now.env)
        if (!std::binary_search(was.env.begin(), was.env.end(), kv)) c.push_back("environment gained " + kv);
    return c;
}

void restore(const GlobalModes& m) {
    set_grad_enabled(m.grad);
    set_detect_anomaly(m.anomaly);
    set_poison_uninitialized(m.poison);
    set_num_threads(m.threads);
    std::filesystem::current_path(m.cwd);
    for (const std::string& kv : environment())
        if (!std::binary_search(m.env.begin(), m.env.end(), kv))
            ::unsetenv(kv.substr(0, kv.find('=')).c_str());
    for (const std::string& kv : m.env) {
        const size_t eq = kv.find('=');
        ::setenv(kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str(), 1);
    }
}

class FreshState : public Catch::TestEventListenerBase {
public:
    using TestEventListenerBase::TestEventListenerBase;

    void testRunStarting(const Catch::TestRunInfo& info) override {
        TestEventListenerBase::testRunStarting(info);
        fresh_generator_ = global_generator();  // no case has drawn yet
        modes_ = current_modes();
    }

    void testCaseStarting(const Catch::TestCaseInfo& info) override {
        TestEventListenerBase::testCaseStarting(info);
        global_generator() = fresh_generator_;
    }

    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        const std::vector<std::string> changed = changes(modes_, current_modes());
        if (!changed.empty()) {
            g_leaked = true;
            stream.flush();  // after the case's own output
            std::cerr << "error: the test case \"" << stats.testInfo.name
                      << "\" left global state changed (set it through an RAII guard):\n";
            for (const std::string& c : changed) std::cerr << "  " << c << "\n";
            restore(modes_);
        }
        TestEventListenerBase::testCaseEnded(stats);
    }

private:
    Generator fresh_generator_;
    GlobalModes modes_;
};

CATCH_REGISTER_LISTENER(FreshState)

}  // namespace

bool a_case_leaked_global_state() { return g_leaked; }

}  // namespace nabla::test
