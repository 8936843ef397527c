// Anomaly mode: the first recorded op with a non-finite output or gradient is named, and
// batch_norm keeps non-finite batch statistics out of its running statistics.
#include "support/compare.h"
#include "support/inputs.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <cmath>
#include <limits>
#include <optional>
#include <thread>

using namespace nabla;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// The error `f` throws, or nullopt when it throws none.
template <class F>
std::optional<Error> error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    return std::nullopt;
}

bool contains(const Error& e, const std::string& text) {
    return std::string(e.what()).find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("anomaly mode is off by default and NaN then flows through ops silently", "[autograd][anomaly]") {
    REQUIRE_FALSE(is_anomaly_enabled());
    Tensor x = from_vector({1.0f, -1.0f}, {2});
    x.requires_grad_();
    const Tensor y = log(x) * 2.0f;
    REQUIRE(std::isnan(y.data()[1]));
}

TEST_CASE("DetectAnomalyGuard turns anomaly mode on for its scope and restores the previous state",
          "[autograd][anomaly]") {
    {
        DetectAnomalyGuard on;
        REQUIRE(is_anomaly_enabled());
        {
            DetectAnomalyGuard off(false);
            REQUIRE_FALSE(is_anomaly_enabled());
        }
        REQUIRE(is_anomaly_enabled());
    }
    REQUIRE_FALSE(is_anomaly_enabled());
    // The setter itself, inside a guard that restores the mode however the case ends.
    DetectAnomalyGuard restore(is_anomaly_enabled());
    set_detect_anomaly(true);
    REQUIRE(is_anomaly_enabled());
    set_detect_anomaly(false);
    REQUIRE_FALSE(is_anomaly_enabled());
}

TEST_CASE("anomaly mode is per thread, like grad mode", "[autograd][anomaly]") {
    DetectAnomalyGuard on;
    bool seen_in_other_thread = true;
    std::thread([&] { seen_in_other_thread = is_anomaly_enabled(); }).join();
    REQUIRE_FALSE(seen_in_other_thread);
}

TEST_CASE("anomaly mode names the first op whose output is NaN, with its input shapes",
          "[autograd][anomaly]") {
    DetectAnomalyGuard on;
    Tensor x = from_vector({1.0f, 2.0f, -3.0f, 4.0f, 5.0f, 6.0f}, {2, 3});
    x.requires_grad_();
    const Tensor a = x * 2.0f;  // finite: passes
    const auto err = error_of([&] { (void)(log(a) + 1.0f); });
    REQUIRE(err);
    INFO(err->what());
    REQUIRE(err->where() == "log");
    REQUIRE(contains(*err, "non-finite output [2, 3] (NaN at element 2)"));
    REQUIRE(contains(*err, "from inputs [2, 3] (finite)"));
}

TEST_CASE("anomaly mode names an op that overflows to Inf and says which input was already non-finite",
          "[autograd][anomaly]") {
    DetectAnomalyGuard on;
    SECTION("overflow") {
        Tensor x = full({3}, 100.0f);
        x.requires_grad_();
        const auto err = error_of([&] { (void)exp(x); });
        REQUIRE(err);
        INFO(err->what());
        REQUIRE(err->where() == "exp");
        REQUIRE(contains(*err, "Inf at element 0"));
    }
    SECTION("non-finite data entering a recorded op") {
        const Tensor data = from_vector({1.0f, kNaN, 3.0f, 4.0f}, {2, 2});  // no grad: never checked alone
        const Tensor w = test::param({2, 3});
        const auto err = error_of([&] { (void)matmul(data, w); });
        REQUIRE(err);
        INFO(err->what());
        REQUIRE(err->where() == "matmul");
        REQUIRE(contains(*err, "[2, 2] (non-finite: NaN at element 1), [2, 3] (finite)"));
    }
}

TEST_CASE("anomaly mode names the backward of the op that returned a non-finite gradient",
          "[autograd][anomaly]") {
    DetectAnomalyGuard on;
    Tensor x = from_vector({0.0f, 4.0f}, {2});  // sqrt is finite at 0, its derivative is not
    x.requires_grad_();
    const Tensor loss = sum(sqrt(x) * 3.0f);
    const auto err = error_of([&] { loss.backward(); });
    REQUIRE(err);
    INFO(err->what());
    REQUIRE(err->where() == "backward of sqrt");
    REQUIRE(contains(*err, "non-finite gradient [2] (Inf at element 0) for input 0 of shape [2]"));
    REQUIRE(contains(*err, "the gradient it received was [2] (finite)"));
    REQUIRE_FALSE(x.grad().defined());  // nothing half-accumulated into the leaf
}

TEST_CASE("anomaly mode leaves finite forward and backward results unchanged", "[autograd][anomaly]") {
    manual_seed(3);
    const Tensor x0 = randn({4, 5});
    const Tensor w0 = randn({3, 5});
    auto run = [&](bool anomaly) {
        DetectAnomalyGuard guard(anomaly);
        Tensor x = x0.clone(), w = w0.clone();
        x.requires_grad_();
        w.requires_grad_();
        const Tensor loss = mean(tanh(linear(x, w)) * 2.0f);
        loss.backward();
        return std::vector<Tensor>{loss, x.grad(), w.grad()};
    };
    const auto off = run(false), on = run(true);
    for (size_t i = 0; i < off.size(); ++i) REQUIRE(test::all_close(on[i], off[i], 0.0f));
}

TEST_CASE("batch_norm in anomaly mode leaves the running statistics unchanged for a NaN batch",
          "[autograd][anomaly][batch_norm]") {
    manual_seed(5);
    Tensor x = randn({4, 3});
    x.data()[7] = kNaN;  // channel 1
    Tensor gamma = test::param({3}), beta = test::param({3});
    Tensor running_mean = from_vector({0.5f, -0.5f, 1.0f}, {3});
    Tensor running_var = from_vector({1.5f, 2.0f, 0.5f}, {3});
    const auto mean_before = running_mean.to_vector(), var_before = running_var.to_vector();

    SECTION("anomaly mode: throws naming the channel, running statistics untouched") {
        DetectAnomalyGuard on;
        const auto err = error_of([&] { (void)batch_norm(x, gamma, beta, running_mean, running_var); });
        REQUIRE(err);
        INFO(err->what());
        REQUIRE(err->where() == "batch_norm");
        REQUIRE(contains(*err, "channel 1 are not finite"));
        REQUIRE(contains(*err, "input [4, 3]"));
        REQUIRE(running_mean.to_vector() == mean_before);
        REQUIRE(running_var.to_vector() == var_before);
    }
    SECTION("without anomaly mode the NaN reaches the running statistics (why the mode exists)") {
        (void)batch_norm(x, gamma, beta, running_mean, running_var);
        REQUIRE(std::isnan(running_mean.data()[1]));
        REQUIRE(running_mean.data()[0] != mean_before[0]);  // the finite channels were updated
    }
}

TEST_CASE("BatchNorm1d in anomaly mode keeps an Inf batch out of its running statistics",
          "[autograd][anomaly][batch_norm]") {
    manual_seed(6);
    nn::BatchNorm1d bn({.num_features = 2});
    bn.train();
    (void)bn.forward(randn({8, 2}));  // one finite batch moves the statistics
    const auto mean_before = bn.running_mean().to_vector(), var_before = bn.running_var().to_vector();
    Tensor bad = randn({8, 2});
    bad.data()[0] = std::numeric_limits<float>::infinity();

    DetectAnomalyGuard on;
    const auto err = error_of([&] { (void)bn.forward(bad); });
    REQUIRE(err);
    INFO(err->what());
    REQUIRE(contains(*err, "batch_norm"));
    REQUIRE(bn.running_mean().to_vector() == mean_before);
    REQUIRE(bn.running_var().to_vector() == var_before);
    REQUIRE_NOTHROW(bn.forward(randn({8, 2})));  // a finite batch afterwards trains as usual
}
