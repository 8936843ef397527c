// reshape, view and flatten share data and route gradients back to the original shape.
#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;

TEST_CASE("reshape and view share data without copying", "[autograd][reshape]") {
    Tensor x = arange(0, 6);
    Tensor r = x.reshape({2, 3});
    Tensor v = x.view({3, 2});
    REQUIRE(r.shape() == Shape{2, 3});
    REQUIRE(v.shape() == Shape{3, 2});
    REQUIRE(r.data() == x.data());
    REQUIRE(v.data() == x.data());
    r.at({1, 2}) = 42.0f;
    REQUIRE(x.at({5}) == 42.0f);
    REQUIRE(v.at({2, 1}) == 42.0f);
}

TEST_CASE("reshape infers one -1 dimension and rejects bad shapes", "[autograd][reshape]") {
    const Tensor x = zeros({2, 3, 4});
    REQUIRE(x.reshape({-1, 4}).shape() == Shape{6, 4});
    REQUIRE(x.reshape({4, -1}).shape() == Shape{4, 6});
    REQUIRE(x.reshape({24}).shape() == Shape{24});
    REQUIRE_THROWS_WITH(x.reshape({5, -1}), Catch::Contains("reshape") && Catch::Contains("[2, 3, 4]"));
    REQUIRE_THROWS_WITH(x.reshape({5, 5}), Catch::Contains("reshape") && Catch::Contains("[5, 5]"));
    REQUIRE_THROWS_AS(x.reshape({-1, -1}), Error);
}

TEST_CASE("flatten merges a range of dimensions and shares data", "[autograd][reshape]") {
    const Tensor x = zeros({2, 3, 4, 5});
    REQUIRE(x.flatten().shape() == Shape{120});
    REQUIRE(x.flatten(1).shape() == Shape{2, 60});
    REQUIRE(x.flatten(1, 2).shape() == Shape{2, 12, 5});
    REQUIRE(x.flatten(-2, -1).shape() == Shape{2, 3, 20});
    REQUIRE(x.flatten(1).data() == x.data());
    REQUIRE(scalar_tensor(3.0f).flatten().shape() == Shape{1});
    REQUIRE_THROWS_WITH(x.flatten(2, 1), Catch::Contains("flatten"));
}

TEST_CASE("reshape gradient comes back in the input's shape", "[autograd][reshape]") {
    Tensor x = arange(0, 6).reshape({2, 3}).clone();
    x.requires_grad_();
    Tensor y = x.flatten();
    REQUIRE(y.requires_grad());
    REQUIRE_FALSE(y.is_leaf());
    y.backward(from_vector({1, 2, 3, 4, 5, 6}, {6}));
    REQUIRE(x.grad().shape() == Shape{2, 3});
    REQUIRE(x.grad().to_vector() == std::vector<float>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("detach shares data but is cut off from autograd", "[autograd][reshape]") {
    Tensor x = ones({3});
    x.requires_grad_();
    Tensor y = x * 2.0f;
    Tensor d = y.detach();
    REQUIRE_FALSE(d.requires_grad());
    REQUIRE(d.is_leaf());
    REQUIRE(d.data() == y.data());
    const Tensor z = d * 3.0f;
    REQUIRE_FALSE(z.requires_grad());
    sum(y * d).backward();  // d is a constant: dx = 2 * d = 4
    REQUIRE(x.grad().to_vector() == std::vector<float>{4, 4, 4});
}
