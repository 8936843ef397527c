// Forward values of the elementwise ops against hand-computed examples.
#include "support/compare.h"
#include "support/guards.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <limits>

using namespace nabla;
using nabla::test::all_close;

TEST_CASE("add sub mul div of equal shapes", "[autograd][elementwise]") {
    const Tensor a = from_vector({1, 2, 3, 4}, {2, 2}), b = from_vector({4, 3, 2, 1}, {2, 2});
    REQUIRE(add(a, b).to_vector() == std::vector<float>{5, 5, 5, 5});
    REQUIRE(sub(a, b).to_vector() == std::vector<float>{-3, -1, 1, 3});
    REQUIRE(mul(a, b).to_vector() == std::vector<float>{4, 6, 6, 4});
    REQUIRE(all_close(div(a, b), {0.25f, 2.0f / 3.0f, 1.5f, 4.0f}));
    REQUIRE((a + b).shape() == Shape{2, 2});
    REQUIRE((a - b).to_vector() == sub(a, b).to_vector());
    REQUIRE((a * b).to_vector() == mul(a, b).to_vector());
    REQUIRE((a / b).to_vector() == div(a, b).to_vector());
}

TEST_CASE("binary ops broadcast [N,C] with [C]", "[autograd][elementwise]") {
    const Tensor x = from_vector({1, 2, 3, 4, 5, 6}, {2, 3}), b = from_vector({10, 20, 30}, {3});
    const Tensor y = x + b;
    REQUIRE(y.shape() == Shape{2, 3});
    REQUIRE(y.to_vector() == std::vector<float>{11, 22, 33, 14, 25, 36});
    REQUIRE((b - x).to_vector() == std::vector<float>{9, 18, 27, 6, 15, 24});
}

TEST_CASE("binary ops broadcast [N,C,H,W] with [1,C,1,1]", "[autograd][elementwise]") {
    const Tensor x = arange(0, 16).reshape({2, 2, 2, 2});
    const Tensor s = from_vector({1, -1}, {1, 2, 1, 1});
    const Tensor y = x * s;
    REQUIRE(y.shape() == Shape{2, 2, 2, 2});
    REQUIRE(y.to_vector() ==
            std::vector<float>{0, 1, 2, 3, -4, -5, -6, -7, 8, 9, 10, 11, -12, -13, -14, -15});
}

TEST_CASE("binary ops broadcast a scalar [] operand", "[autograd][elementwise]") {
    const Tensor x = from_vector({1, 2, 3}, {3}), s = scalar_tensor(2.0f);
    REQUIRE((x * s).to_vector() == std::vector<float>{2, 4, 6});
    REQUIRE((s / x).shape() == Shape{3});
    REQUIRE(all_close(s / x, {2.0f, 1.0f, 2.0f / 3.0f}));
    const Tensor ss = s + scalar_tensor(3.0f);
    REQUIRE(ss.shape() == Shape{});
    REQUIRE(ss.item() == 5.0f);
}

TEST_CASE("binary ops broadcast size-1 dimensions in the middle", "[autograd][elementwise]") {
    // [2,1,3] + [2,2,1] -> [2,2,3]
    const Tensor a = from_vector({1, 2, 3, 4, 5, 6}, {2, 1, 3});
    const Tensor b = from_vector({10, 20, 30, 40}, {2, 2, 1});
    const Tensor y = a + b;
    REQUIRE(y.shape() == Shape{2, 2, 3});
    REQUIRE(y.to_vector() == std::vector<float>{11, 12, 13, 21, 22, 23, 34, 35, 36, 44, 45, 46});
}

TEST_CASE("scalar variants and operators", "[autograd][elementwise]") {
    const Tensor x = from_vector({1, -2, 4}, {3});
    REQUIRE(add(x, 1.5f).to_vector() == std::vector<float>{2.5f, -0.5f, 5.5f});
    REQUIRE(mul(x, -2.0f).to_vector() == std::vector<float>{-2, 4, -8});
    REQUIRE((x + 1.0f).to_vector() == std::vector<float>{2, -1, 5});
    REQUIRE((1.0f + x).to_vector() == std::vector<float>{2, -1, 5});
    REQUIRE((x - 1.0f).to_vector() == std::vector<float>{0, -3, 3});
    REQUIRE((1.0f - x).to_vector() == std::vector<float>{0, 3, -3});
    REQUIRE((x * 3.0f).to_vector() == std::vector<float>{3, -6, 12});
    REQUIRE((3.0f * x).to_vector() == std::vector<float>{3, -6, 12});
    REQUIRE((x / 2.0f).to_vector() == std::vector<float>{0.5f, -1, 2});
    REQUIRE((-x).to_vector() == std::vector<float>{-1, 2, -4});
}

TEST_CASE("unary ops neg exp log sqrt pow", "[autograd][elementwise]") {
    const Tensor x = from_vector({0.5f, 1.0f, 4.0f}, {3});
    REQUIRE(neg(x).to_vector() == std::vector<float>{-0.5f, -1.0f, -4.0f});
    REQUIRE(all_close(exp(x), {1.6487213f, 2.7182818f, 54.598150f}));
    REQUIRE(all_close(log(x), {-0.6931472f, 0.0f, 1.3862944f}));
    REQUIRE(all_close(sqrt(x), {0.7071068f, 1.0f, 2.0f}));
    REQUIRE(all_close(pow(x, 2.0f), {0.25f, 1.0f, 16.0f}));
    REQUIRE(all_close(pow(x, 3.0f), {0.125f, 1.0f, 64.0f}));
    REQUIRE(all_close(pow(x, -0.5f), {1.4142136f, 1.0f, 0.5f}));
}

TEST_CASE("relu sigmoid tanh", "[autograd][elementwise]") {
    const Tensor x = from_vector({-2.0f, -0.5f, 0.0f, 0.5f, 2.0f}, {5});
    REQUIRE(relu(x).to_vector() == std::vector<float>{0, 0, 0, 0.5f, 2.0f});
    REQUIRE(all_close(sigmoid(x), {0.11920292f, 0.37754067f, 0.5f, 0.62245933f, 0.88079708f}));
    REQUIRE(all_close(tanh(x), {-0.96402758f, -0.46211716f, 0.0f, 0.46211716f, 0.96402758f}));
}

TEST_CASE("sigmoid and tanh saturate without overflow for large |x|", "[autograd][elementwise]") {
    const Tensor x = from_vector({-1000.0f, -100.0f, 100.0f, 1000.0f}, {4});
    const auto s = sigmoid(x).to_vector();
    for (float v : s) REQUIRE(std::isfinite(v));
    REQUIRE(s[0] == 0.0f);
    REQUIRE(s[1] >= 0.0f);
    REQUIRE(s[1] < 1e-30f);
    REQUIRE(s[2] == 1.0f);
    REQUIRE(s[3] == 1.0f);
    REQUIRE(tanh(x).to_vector() == std::vector<float>{-1, -1, 1, 1});
    // The gradient stays finite (and zero) in the saturated tails.
    Tensor xg = x.clone();
    xg.requires_grad_();
    sum(sigmoid(xg)).backward();
    for (float g : xg.grad().to_vector()) {
        REQUIRE(std::isfinite(g));
        REQUIRE(g == Approx(0.0f).margin(1e-30));
    }
}

TEST_CASE("elementwise gradients match hand-computed values", "[autograd][elementwise]") {
    Tensor a = from_vector({1, 2}, {2}), b = from_vector({3, 4}, {2});
    a.requires_grad_();
    b.requires_grad_();
    sum(a * b + a / b).backward();
    REQUIRE(all_close(a.grad(), {3.0f + 1.0f / 3.0f, 4.0f + 0.25f}));
    REQUIRE(all_close(b.grad(), {1.0f - 1.0f / 9.0f, 2.0f - 2.0f / 16.0f}));
}

TEST_CASE("broadcast gradients are summed back to the operand's shape", "[autograd][elementwise]") {
    Tensor x = ones({2, 3});
    Tensor b = from_vector({1, 2, 3}, {3});
    Tensor s = scalar_tensor(2.0f);
    x.requires_grad_();
    b.requires_grad_();
    s.requires_grad_();
    sum((x + b) * s).backward();
    REQUIRE(b.grad().shape() == Shape{3});
    REQUIRE(b.grad().to_vector() == std::vector<float>{4, 4, 4});
    REQUIRE(s.grad().shape() == Shape{});
    REQUIRE(s.grad().item() == Approx(2 * 3 + 2 * 6));  // sum(x + b) = 6 + 2 * 6
    REQUIRE(x.grad().to_vector() == std::vector<float>(6, 2.0f));
}

TEST_CASE("ops on tensors without requires_grad record nothing", "[autograd][elementwise]") {
    const auto before = tape_size();
    const Tensor y = exp(ones({3})) * 2.0f + ones({3});
    REQUIRE_FALSE(y.requires_grad());
    REQUIRE(y.is_leaf());
    REQUIRE(tape_size() == before);
}

TEST_CASE("pow with exponent 0 has a zero gradient, also at x = 0", "[autograd][elementwise]") {
    Tensor x = from_vector({0, 2, -3}, {3});
    x.requires_grad_();
    const Tensor y = pow(x, 0.0f);
    REQUIRE(y.to_vector() == std::vector<float>{1, 1, 1});
    sum(y).backward();
    REQUIRE(x.grad().to_vector() == std::vector<float>{0, 0, 0});
}

TEST_CASE("matmul and linear with an empty inner dimension give zeros", "[autograd][matmul]") {
    test::PoisonGuard poison;  // an unwritten output would be NaN
    const Tensor c = matmul(zeros({2, 0}), zeros({0, 3}));
    const Tensor y = linear(zeros({2, 0}), zeros({3, 0}));
    REQUIRE(c.to_vector() == std::vector<float>(6, 0.0f));
    REQUIRE(y.to_vector() == std::vector<float>(6, 0.0f));
}
