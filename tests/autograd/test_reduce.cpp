// sum, mean, max and argmax over all elements and over given dimensions.
#include "support/compare.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;
using nabla::test::all_close;

namespace {
// [[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10, 11]]]
Tensor cube() { return arange(0, 12).reshape({2, 2, 3}); }
}  // namespace

TEST_CASE("sum and mean over all elements give a [] tensor", "[autograd][reduce]") {
    const Tensor s = sum(cube()), m = mean(cube());
    REQUIRE(s.shape() == Shape{});
    REQUIRE(s.item() == 66.0f);
    REQUIRE(m.shape() == Shape{});
    REQUIRE(m.item() == 5.5f);
}

TEST_CASE("sum over given dims with and without keepdim", "[autograd][reduce]") {
    const Tensor x = cube();
    Tensor s = sum(x, {0});
    REQUIRE(s.shape() == Shape{2, 3});
    REQUIRE(s.to_vector() == std::vector<float>{6, 8, 10, 12, 14, 16});
    s = sum(x, {1}, true);
    REQUIRE(s.shape() == Shape{2, 1, 3});
    REQUIRE(s.to_vector() == std::vector<float>{3, 5, 7, 15, 17, 19});
    s = sum(x, {0, 2});
    REQUIRE(s.shape() == Shape{2});
    REQUIRE(s.to_vector() == std::vector<float>{24, 42});
    s = sum(x, {0, 1, 2}, true);
    REQUIRE(s.shape() == Shape{1, 1, 1});
    REQUIRE(s.item() == 66.0f);
}

TEST_CASE("negative dims count from the end", "[autograd][reduce]") {
    const Tensor x = cube();
    REQUIRE(sum(x, {-1}).to_vector() == sum(x, {2}).to_vector());
    REQUIRE(sum(x, {-1}).shape() == Shape{2, 2});
    REQUIRE(mean(x, {-2}, true).shape() == Shape{2, 1, 3});
    REQUIRE(max(x, {-3}).to_vector() == max(x, {0}).to_vector());
    REQUIRE_THROWS_WITH(sum(x, {-4}), Catch::Contains("sum") && Catch::Contains("[2, 2, 3]"));
    REQUIRE_THROWS_WITH(sum(x, {3}), Catch::Contains("out of range"));
}

TEST_CASE("mean over given dims divides by the reduced count", "[autograd][reduce]") {
    const Tensor x = cube();
    Tensor m = mean(x, {2});
    REQUIRE(m.shape() == Shape{2, 2});
    REQUIRE(all_close(m, {1, 4, 7, 10}));
    m = mean(x, {0, 1}, true);
    REQUIRE(m.shape() == Shape{1, 1, 3});
    REQUIRE(all_close(m, {4.5f, 5.5f, 6.5f}));
}

TEST_CASE("max over all and over dims, with keepdim", "[autograd][reduce]") {
    const Tensor x = from_vector({3, -1, 7, 2, 9, -4}, {2, 3});
    REQUIRE(max(x).shape() == Shape{});
    REQUIRE(max(x).item() == 9.0f);
    REQUIRE(max(x, {1}).to_vector() == std::vector<float>{7, 9});
    REQUIRE(max(x, {0}).to_vector() == std::vector<float>{3, 9, 7});
    REQUIRE(max(x, {0}, true).shape() == Shape{1, 3});
    REQUIRE(max(x, {-1}, true).shape() == Shape{2, 1});
}

TEST_CASE("argmax gives the index along a dim", "[autograd][reduce]") {
    const Tensor x = from_vector({3, -1, 7, 2, 9, -4, 0, 1, 0.5f, 8, 8, 1}, {2, 2, 3});
    Tensor a = argmax(x, 2);
    REQUIRE(a.shape() == Shape{2, 2});
    REQUIRE(a.to_vector() == std::vector<float>{2, 1, 1, 0});  // ties: the first
    a = argmax(x, 1, true);
    REQUIRE(a.shape() == Shape{2, 1, 3});
    REQUIRE(a.to_vector() == std::vector<float>{0, 1, 0, 1, 1, 1});
    a = argmax(x, -3);
    REQUIRE(a.shape() == Shape{2, 3});
    REQUIRE(a.to_vector() == std::vector<float>{0, 1, 0, 1, 0, 1});
    REQUIRE_FALSE(argmax(x, 0).requires_grad());
}

TEST_CASE("reduction gradients: sum spreads ones, mean spreads 1/n, max picks the maximum",
          "[autograd][reduce]") {
    Tensor x = from_vector({3, -1, 7, 2, 9, -4}, {2, 3});
    x.requires_grad_();
    sum(x, {1}).backward(from_vector({1, 2}, {2}));
    REQUIRE(x.grad().to_vector() == std::vector<float>{1, 1, 1, 2, 2, 2});
    x.set_grad(Tensor());
    mean(x).backward();
    REQUIRE(all_close(x.grad(), std::vector<float>(6, 1.0f / 6.0f)));
    x.set_grad(Tensor());
    max(x, {0}).backward(from_vector({1, 2, 3}, {3}));
    REQUIRE(x.grad().to_vector() == std::vector<float>{1, 0, 3, 0, 2, 0});
    x.set_grad(Tensor());
    max(x).backward();
    REQUIRE(x.grad().to_vector() == std::vector<float>{0, 0, 0, 0, 1, 0});
}
