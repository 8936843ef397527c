// The engine's side of the BackwardFn contract (autograd/tape.h): what it tells a
// backward function, the errors it raises when a backward function breaks the contract,
// and the autograd accessors of an undefined tensor.
#include "support/compare.h"
#include "support/inputs.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace nabla;

namespace {

// An op y = a + b + c (all [2]) whose backward is `fn`, recorded as one entry.
Tensor sum3(const Tensor& a, const Tensor& b, const Tensor& c, BackwardFn fn) {
    Tensor y = zeros({2});
    for (const Tensor* t : {&a, &b, &c})
        if (t->defined())
            for (std::int64_t i = 0; i < 2; ++i) y.data()[i] += t->data()[i];
    if (needs_grad({&a, &b, &c})) record("sum3", {&a, &b, &c}, y, std::move(fn));
    return y;
}

}  // namespace

TEST_CASE("a backward function is told which inputs want a gradient", "[autograd][tape][contract]") {
    const Tensor wanted = test::param({2}), constant = ones({2});
    std::optional<GradMask> seen;
    const Tensor y = sum3(wanted, constant, Tensor(), [&](const Tensor& g, const GradMask& wants) {
        seen = wants;
        return std::vector<Tensor>{g, Tensor(), Tensor()};
    });
    sum(y).backward();
    REQUIRE(seen);
    REQUIRE(seen->size() == 3);
    CHECK((*seen)[0]);        // defined and requires grad
    CHECK_FALSE((*seen)[1]);  // does not require grad
    CHECK_FALSE((*seen)[2]);  // undefined
    CHECK_FALSE((*seen)[3]);  // past the end
    CHECK(seen->any());
    CHECK(wanted.grad().to_vector() == std::vector<float>{1, 1});
}

TEST_CASE("grad_mask applies the rule the engine uses, and GradMask can be built by hand",
          "[autograd][tape][contract]") {
    const Tensor a = test::param({2}), b = ones({2});
    const GradMask m = grad_mask({&a, &b, nullptr});
    REQUIRE(m.size() == 3);
    CHECK(m[0]);
    CHECK_FALSE(m[1]);
    CHECK_FALSE(m[2]);
    const GradMask none = grad_mask({&b});
    CHECK_FALSE(none.any());
    const GradMask by_hand{false, true};
    CHECK(by_hand.size() == 2);
    CHECK_FALSE(by_hand[0]);
    CHECK(by_hand[1]);
    CHECK(GradMask().size() == 0);
}

TEST_CASE("an error inside a backward function names the op's backward once, then the cause",
          "[autograd][tape][contract]") {
    Tensor x = from_vector({1, 2}, {2});
    x.requires_grad_();
    const Tensor l = sum(x * x);
    x.fill_(3.0f);  // mul saved x for its backward
    try {
        l.backward();
        FAIL("backward used a saved tensor that was modified in place");
    } catch (const Error& e) {
        const std::string msg = e.what();
        INFO(msg);
        CHECK(msg.starts_with("backward of mul: saved tensor: the data of shape [2] was modified in place"));
        CHECK(msg.find("backward: ") == std::string::npos);  // no stuttered prefix
        CHECK(e.where() == "saved tensor");
        CHECK(e.context() == std::vector<std::string>{"backward of mul"});
    }
}

namespace {

// An op of two inputs of any shape with output [2, 3] (zeros) and backward `fn`.
Tensor opaque(const Tensor& a, const Tensor& b, BackwardFn fn) {
    Tensor y = zeros({2, 3});
    if (needs_grad({&a, &b})) record("opaque", {&a, &b}, y, std::move(fn));
    return y;
}

// The error `f` throws; fails the test when it throws none.
template <class F>
Error error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    FAIL("no nabla::Error was thrown");
    return Error("", "");
}

}  // namespace

TEST_CASE("the autograd accessors of an undefined tensor throw instead of dereferencing null",
          "[autograd][tape][contract]") {
    Tensor t;
    for (const auto& [where, call] : std::vector<std::pair<std::string, std::function<void()>>>{
             {"grad", [&] { (void)t.grad(); }},
             {"set_grad", [&] { t.set_grad(ones({2})); }},
             {"set_grad", [&] { t.set_grad(Tensor()); }},
             {"requires_grad_", [&] { t.requires_grad_(); }},
             {"bump_version", [&] { t.bump_version(); }},
             {"backward", [&] { t.backward(); }},
         }) {
        const Error e = error_of(call);
        INFO(e.what());
        CHECK(e.where() == where);
        CHECK(std::string(e.what()) == where + ": called on an undefined tensor");
    }
    CHECK_FALSE(t.requires_grad());  // a question with an answer: no
    CHECK_FALSE(t.is_leaf());
}

TEST_CASE("a backward function returning the wrong number of gradients is an error naming the op",
          "[autograd][tape][contract]") {
    const Tensor a = test::param({2, 3}), b = test::param({2, 3});
    for (const std::size_t count : {std::size_t{1}, std::size_t{3}}) {
        const Tensor y =
            opaque(a, b, [count](const Tensor& g, const GradMask&) { return std::vector<Tensor>(count, g); });
        const Error e = error_of([&] { sum(y).backward(); });
        INFO(e.what());
        CHECK(e.where() == "backward of opaque");
        CHECK_THAT(e.what(), Catch::StartsWith(fmt::format(
                                 "backward of opaque: returned {} gradients for 2 inputs", count)));
        CHECK_FALSE(a.grad().defined());
        CHECK_FALSE(b.grad().defined());
    }
}

TEST_CASE(
    "a backward function returning a gradient of a wrong shape is an error naming the op and both shapes",
    "[autograd][tape][contract]") {
    const Tensor a = test::param({2, 3}), b = test::param({1, 3});
    SECTION("a shape that does not broadcast") {
        const Tensor y = opaque(a, b, [](const Tensor&, const GradMask&) {
            return std::vector<Tensor>{ones({3, 2}), Tensor()};
        });
        const Error e = error_of([&] { sum(y).backward(); });
        INFO(e.what());
        CHECK(e.where() == "backward of opaque");
        CHECK_THAT(e.what(),
                   Catch::StartsWith("backward of opaque: returned a gradient of shape [3, 2] for input 0 "
                                     "of shape [2, 3]"));
        CHECK_FALSE(a.grad().defined());
    }
    SECTION("a shape the input does not broadcast to (the reduction would go the wrong way)") {
        const Tensor y = opaque(a, b, [](const Tensor&, const GradMask&) {
            return std::vector<Tensor>{Tensor(), ones({3})};
        });
        const Error e = error_of([&] { sum(y).backward(); });
        INFO(e.what());
        CHECK(e.where() == "backward of opaque");
        CHECK_THAT(e.what(), Catch::Contains("returned a gradient of shape [3] for input 1 of shape [1, 3]"));
    }
    SECTION("the output's shape for a broadcast input is reduced by the engine") {
        const Tensor y = opaque(a, b, [](const Tensor& g, const GradMask&) {
            return std::vector<Tensor>{g, g};
        });
        sum(y).backward();
        CHECK(a.grad().to_vector() == std::vector<float>(6, 1.0f));
        CHECK(b.grad().shape() == Shape{1, 3});
        CHECK(b.grad().to_vector() == std::vector<float>(3, 2.0f));
    }
}
