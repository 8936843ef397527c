#include <catch2/catch.hpp>
#include <nabla.h>

#include <cmath>

using namespace nabla;
using namespace nabla::optim;

TEST_CASE("clip_grad_norm scales all gradients to the global norm", "[optim][clip]") {
    Tensor a = zeros({2}).requires_grad_(), b = zeros({1}).requires_grad_(), c = zeros({3}).requires_grad_();
    a.set_grad(from_vector({3.0f, 0.0f}, {2}));
    b.set_grad(from_vector({4.0f}, {1}));  // global norm 5; c has no gradient
    const double norm = clip_grad_norm({a, b, c}, 1.0);
    CHECK(norm == Approx(5.0));
    CHECK(a.grad().data()[0] == Approx(0.6f));
    CHECK(b.grad().data()[0] == Approx(0.8f));
    CHECK_FALSE(c.grad().defined());
}

TEST_CASE("clip_grad_norm leaves gradients under the limit alone", "[optim][clip]") {
    Tensor a = zeros({2}).requires_grad_();
    a.set_grad(from_vector({0.3f, 0.4f}, {2}));
    CHECK(clip_grad_norm({a}, 1.0) == Approx(0.5));
    CHECK(a.grad().to_vector() == std::vector<float>{0.3f, 0.4f});
}

TEST_CASE("clip_grad_norm returns a non-finite norm without scaling", "[optim][clip]") {
    Tensor a = zeros({2}).requires_grad_();
    a.set_grad(from_vector({INFINITY, 1.0f}, {2}));
    CHECK(std::isinf(clip_grad_norm({a}, 1.0)));
    CHECK(a.grad().data()[1] == 1.0f);
    CHECK_THROWS_WITH(clip_grad_norm({a}, 0.0), Catch::Contains("max_norm must be positive"));
}
