// The engine's side of the BackwardFn contract (autograd/tape.h): what it tells a
// backward function, and the errors it raises when a backward function breaks the
// contract.
#include "helpers.h"

#include <optional>
#include <string>

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
