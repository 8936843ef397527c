#include "support/compare.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <vector>

using namespace nabla;

TEST_CASE("a gradient-ready hook runs once per backward, when the leaf's gradient is final") {
    Tensor a = from_vector({1.0f, 2.0f}, {2}).requires_grad_();
    Tensor b = from_vector({3.0f, 4.0f}, {2}).requires_grad_();
    std::vector<std::vector<float>> seen_a;
    std::vector<std::string> order;
    auto ha = on_gradient_ready(a, [&] {
        seen_a.push_back(a.grad().to_vector());
        order.push_back("a");
    });
    auto hb = on_gradient_ready(b, [&] { order.push_back("b"); });
    auto he = on_backward_end([&] { order.push_back("end"); });
    // a is used twice, early and late: its hook must wait for both contributions.
    const Tensor loss = ((a * b).sum() + (a * a).sum()) * 2.0f;
    loss.backward();
    REQUIRE(seen_a.size() == 1);
    // d/da = 2 b + 4 a
    REQUIRE(test::all_close(seen_a[0], {2 * 3.0f + 4 * 1.0f, 2 * 4.0f + 4 * 2.0f}));
    REQUIRE(order.back() == "end");
    REQUIRE(order.size() == 3);
}

TEST_CASE("a leaf this backward does not reach gets no ready call, and a dropped handle unregisters") {
    Tensor a = ones({2}).requires_grad_(), b = ones({2}).requires_grad_();
    int calls_a = 0, calls_b = 0, ends = 0;
    auto ha = on_gradient_ready(a, [&] { ++calls_a; });
    {
        auto hb = on_gradient_ready(b, [&] { ++calls_b; });
        auto he = on_backward_end([&] { ++ends; });
        (a * 3.0f).sum().backward();
        REQUIRE(calls_a == 1);
        REQUIRE(calls_b == 0);
        REQUIRE(ends == 1);
    }
    (a * b).sum().backward();
    REQUIRE(calls_a == 2);
    REQUIRE(calls_b == 0);  // its handle is gone
    REQUIRE(ends == 1);
}

TEST_CASE("a hook on a leaf whose last entry was skipped still runs, with the gradient it has") {
    // c = a * 2 feeds a branch that gets no gradient (detached): that entry is passed without running.
    Tensor a = ones({2}).requires_grad_();
    int calls = 0;
    std::vector<float> seen;
    auto h = on_gradient_ready(a, [&] {
        ++calls;
        seen = a.grad().to_vector();
    });
    const Tensor unused = a * 2.0f;  // recorded before the used branch: the last entry walked
    const Tensor used = (a * 5.0f).sum();
    used.backward();
    REQUIRE(calls == 1);
    REQUIRE(test::all_close(seen, {5.0f, 5.0f}));
    REQUIRE(unused.defined());
}
