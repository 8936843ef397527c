// The tape's semantics: accumulation, grad mode, reuse, the errors it raises, and the
// per-op profile it keeps when asked.
#include "support/compare.h"
#include "support/guards.h"
#include "support/inputs.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

using namespace nabla;

TEST_CASE("gradients accumulate across backward calls until cleared", "[autograd][tape]") {
    Tensor x = from_vector({1, 2}, {2});
    x.requires_grad_();
    REQUIRE_FALSE(x.grad().defined());
    sum(x * 3.0f).backward();
    REQUIRE(x.grad().to_vector() == std::vector<float>{3, 3});
    sum(x * x).backward();
    REQUIRE(x.grad().to_vector() == std::vector<float>{5, 7});
    x.set_grad(Tensor());
    REQUIRE_FALSE(x.grad().defined());
    sum(x).backward();
    REQUIRE(x.grad().to_vector() == std::vector<float>{1, 1});
}

TEST_CASE("NoGradGuard records nothing and its output does not require grad", "[autograd][tape]") {
    Tensor x = ones({2});
    x.requires_grad_();
    const auto before = tape_size();
    REQUIRE(is_grad_enabled());
    {
        NoGradGuard guard;
        REQUIRE_FALSE(is_grad_enabled());
        const Tensor y = exp(x) * x + 1.0f;
        REQUIRE_FALSE(y.requires_grad());
        REQUIRE(y.is_leaf());
        REQUIRE(tape_size() == before);
        REQUIRE_THROWS_WITH(y.backward(), Catch::Contains("does not require grad"));
    }
    REQUIRE(is_grad_enabled());
    REQUIRE((x * 2.0f).requires_grad());
}

TEST_CASE("a nested NoGradGuard restores the state it found", "[autograd][tape]") {
    {
        NoGradGuard outer;
        {
            NoGradGuard inner;
            REQUIRE_FALSE(is_grad_enabled());
        }
        REQUIRE_FALSE(is_grad_enabled());
    }
    REQUIRE(is_grad_enabled());
    test::GradModeGuard off(false);  // grad mode comes back on when the case ends, however it ends
    { NoGradGuard guard; }
    REQUIRE_FALSE(is_grad_enabled());
}

TEST_CASE("a tensor used twice receives the sum of both gradients", "[autograd][tape]") {
    Tensor x = from_vector({2, -3}, {2});
    x.requires_grad_();
    sum(x * x).backward();  // 2x
    REQUIRE(x.grad().to_vector() == std::vector<float>{4, -6});
    x.set_grad(Tensor());
    sum(x + x).backward();
    REQUIRE(x.grad().to_vector() == std::vector<float>{2, 2});
    x.set_grad(Tensor());
    // Through an intermediate used on two paths: y = 2x; z = y * y + y -> dz/dx = 2 (2y + 1)
    const Tensor y = x * 2.0f;
    sum(y * y + y).backward();
    REQUIRE(x.grad().to_vector() == std::vector<float>{18, -22});
}

TEST_CASE("backward on a non-scalar without grad_output is an error", "[autograd][tape]") {
    Tensor x = ones({3});
    x.requires_grad_();
    const Tensor y = x * 2.0f;
    REQUIRE_THROWS_AS(y.backward(), Error);
    REQUIRE_THROWS_WITH(y.backward(), Catch::Contains("backward") && Catch::Contains("[3]"));
    REQUIRE_THROWS_WITH(y.backward(ones({2})), Catch::Contains("[2]") && Catch::Contains("[3]"));
    REQUIRE_NOTHROW(y.backward(ones({3})));
    REQUIRE(x.grad().to_vector() == std::vector<float>{2, 2, 2});
}

TEST_CASE("backward twice without retain_graph is an error mentioning retain_graph", "[autograd][tape]") {
    Tensor x = ones({2});
    x.requires_grad_();
    const Tensor l = sum(exp(x));
    l.backward();
    REQUIRE_THROWS_AS(l.backward(), Error);
    REQUIRE_THROWS_WITH(l.backward(), Catch::Contains("retain_graph"));
}

TEST_CASE("retain_graph keeps the graph for a second backward", "[autograd][tape]") {
    Tensor x = from_vector({1, 2}, {2});
    x.requires_grad_();
    const Tensor l = sum(x * x);
    l.backward(Tensor(), true);
    l.backward();
    REQUIRE(x.grad().to_vector() == std::vector<float>{4, 8});
}

TEST_CASE("backward on a tensor that does not require grad is an error", "[autograd][tape]") {
    const Tensor x = ones({1});
    REQUIRE_THROWS_AS(x.backward(), Error);
    REQUIRE_THROWS_WITH(sum(x * 2.0f).backward(),
                        Catch::Contains("backward") && Catch::Contains("does not require grad"));
}

TEST_CASE("modifying a saved tensor in place before backward is an error", "[autograd][tape]") {
    Tensor x = from_vector({1, 2}, {2});
    x.requires_grad_();
    const Tensor l = sum(x * x);
    x.data()[0] = 5.0f;
    x.bump_version();
    REQUIRE_THROWS_AS(l.backward(), Error);
    Tensor w = from_vector({1, 2}, {2});
    w.requires_grad_();
    const Tensor y = exp(w);
    const Tensor l2 = sum(y);
    y.detach().fill_(0.0f);  // fill_ bumps the version of the shared storage
    REQUIRE_THROWS_WITH(l2.backward(), Catch::Contains("modified in place") && Catch::Contains("exp"));
}

TEST_CASE("requires_grad_ on a non-leaf is an error", "[autograd][tape]") {
    Tensor x = ones({2});
    x.requires_grad_();
    Tensor y = x * 2.0f;
    REQUIRE_FALSE(y.is_leaf());
    REQUIRE_THROWS_AS(y.requires_grad_(false), Error);
    REQUIRE_THROWS_WITH(y.requires_grad_(), Catch::Contains("requires_grad_") && Catch::Contains("leaf"));
    REQUIRE_NOTHROW(x.requires_grad_(false));
    REQUIRE_FALSE(x.requires_grad());
}

TEST_CASE("gradients only reach inputs that require grad", "[autograd][tape]") {
    Tensor a = from_vector({1, 2}, {2}), b = from_vector({3, 4}, {2});
    a.requires_grad_();
    sum(a * b).backward();
    REQUIRE(a.grad().to_vector() == std::vector<float>{3, 4});
    REQUIRE_FALSE(b.grad().defined());
}

TEST_CASE("backward frees the graph it ran, and non-leaves keep no gradient", "[autograd][tape]") {
    prune_tape();  // else entries other cases left could be pruned by the records below
    const auto before = tape_size();
    Tensor x = ones({2});
    x.requires_grad_();
    const Tensor y = x * 2.0f;
    const Tensor l = sum(exp(y));
    REQUIRE(tape_size() == before + 3);
    l.backward();
    REQUIRE(tape_size() == before);
    REQUIRE_FALSE(y.grad().defined());
    REQUIRE(x.grad().defined());
}

TEST_CASE("backward from a named loss runs the whole graph", "[autograd][tape]") {
    // The intermediates are owned by the tape alone: nothing but the loss is kept.
    Tensor x = from_vector({0.5f, -1.0f}, {2});
    x.requires_grad_();
    const Tensor loss = sum(exp(x * x) * 2.0f);
    loss.backward();
    // d/dx 2 exp(x^2) = 4 x exp(x^2)
    REQUIRE(nabla::test::all_close(x.grad(), {4 * 0.5f * std::exp(0.25f), -4 * std::exp(1.0f)}));
}

TEST_CASE("backward into an intermediate whose graph was already freed is an error", "[autograd][tape]") {
    Tensor x = ones({2});
    x.requires_grad_();
    const Tensor y = exp(x);
    sum(y).backward();
    REQUIRE_THROWS_WITH(sum(y * 2.0f).backward(),
                        Catch::Contains("backward") && Catch::Contains("retain_graph"));
    // A failed backward leaves the tape usable.
    x.set_grad(Tensor());
    sum(x * 3.0f).backward();
    REQUIRE(x.grad().to_vector() == std::vector<float>{3, 3});
}

TEST_CASE("backward on a leaf accumulates grad_output into it", "[autograd][tape]") {
    Tensor x = from_vector({1, 2}, {2});
    x.requires_grad_();
    x.backward(from_vector({3, 4}, {2}));
    x.backward(from_vector({3, 4}, {2}));
    REQUIRE(x.grad().to_vector() == std::vector<float>{6, 8});
    REQUIRE_THROWS_WITH(x.set_grad(zeros({3})),
                        Catch::Contains("set_grad") && Catch::Contains("[3]") && Catch::Contains("[2]"));
}

namespace {
// This thread's profiling state and profile, restored when the test ends.
struct ProfilingScope {
    bool was = is_op_profiling();
    ~ProfilingScope() {
        reset_op_profile();
        set_op_profiling(was);
    }
};

std::optional<OpProfile> profile_of(const std::string& op) {
    for (const OpProfile& p : op_profile())
        if (p.op == op) return p;
    return std::nullopt;
}
}  // namespace

TEST_CASE("the op profile counts each recorded op and times its backward while it is on",
          "[autograd][tape][profile]") {
    ProfilingScope scope;
    set_op_profiling(true);
    reset_op_profile();
    const Tensor x = test::param({3});
    sum(exp(x) * 2.0f).backward();
    for (const char* op : {"exp", "mul_scalar", "sum"}) {
        INFO(op);
        const auto p = profile_of(op);
        REQUIRE(p);
        REQUIRE(p->calls == 1);
        REQUIRE(p->forward_ms >= 0.0);
        REQUIRE(p->backward_ms >= 0.0);
    }
    const auto all = op_profile();
    REQUIRE(all.size() == 3);
    REQUIRE(std::is_sorted(all.begin(), all.end(), [](const OpProfile& a, const OpProfile& b) {
        return a.forward_ms + a.backward_ms > b.forward_ms + b.backward_ms;
    }));

    set_op_profiling(false);
    (void)exp(x);  // not counted while off
    REQUIRE(profile_of("exp")->calls == 1);
    reset_op_profile();
    REQUIRE(op_profile().empty());
}

TEST_CASE("NABLA_PROFILE in the environment decides the profile of a thread that never set it",
          "[autograd][tape][profile]") {
    const char* old = std::getenv("NABLA_PROFILE");
    const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
    auto counted_exp_calls = [] {
        std::int64_t calls = -1;
        std::thread([&] {
            (void)exp(test::param({2}));
            const auto p = op_profile();
            calls = p.empty() ? 0 : p.front().calls;
        }).join();
        return calls;
    };
    ::setenv("NABLA_PROFILE", "1", 1);
    const std::int64_t on = counted_exp_calls();
    ::setenv("NABLA_PROFILE", "0", 1);
    const std::int64_t off = counted_exp_calls();
    if (saved)
        ::setenv("NABLA_PROFILE", saved->c_str(), 1);
    else
        ::unsetenv("NABLA_PROFILE");
    REQUIRE(on == 1);
    REQUIRE(off == 0);
}
