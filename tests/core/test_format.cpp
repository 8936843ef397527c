#include <catch2/catch.hpp>
#include <nabla.h>

#include <sstream>

using namespace nabla;

TEST_CASE("Shape formats as a bracketed list", "[core][format]") {
    REQUIRE(fmt::format("{}", Shape{2, 3}) == "[2, 3]");
    REQUIRE(fmt::format("{}", Shape{}) == "[]");
    REQUIRE(fmt::format("{}", Shape{7}) == "[7]");
    REQUIRE(Shape{4, 1, 5}.str() == "[4, 1, 5]");
}

TEST_CASE("Tensor formats its values and shape", "[core][format]") {
    REQUIRE(fmt::format("{}", from_vector({1, 2, 3, 4}, {2, 2})) == "tensor([[1, 2], [3, 4]], shape=[2, 2])");
    REQUIRE(fmt::format("{}", scalar_tensor(2.5f)) == "tensor(2.5, shape=[])");
    REQUIRE(fmt::format("{}", zeros({0, 3})) == "tensor([], shape=[0, 3])");
    REQUIRE(fmt::format("{}", Tensor()) == "tensor(undefined)");
}

TEST_CASE("Tensor format abbreviates long dimensions and marks requires_grad", "[core][format]") {
    REQUIRE(fmt::format("{}", arange(0, 10)) == "tensor([0, 1, 2, ..., 7, 8, 9], shape=[10])");
    REQUIRE(fmt::format("{}", arange(0, 6)) == "tensor([0, 1, 2, 3, 4, 5], shape=[6])");
    Tensor x = ones({2});
    x.requires_grad_();
    REQUIRE(fmt::format("{}", x) == "tensor([1, 1], shape=[2], requires_grad=true)");
    REQUIRE(to_string(from_vector({0.123456f}, {1, 1})) == "tensor([[0.1235]], shape=[1, 1])");
}

TEST_CASE("broadcast_shapes follows NumPy rules and names the op on failure", "[core][shape]") {
    REQUIRE(broadcast_shapes({4, 3}, {3}, "add") == Shape{4, 3});
    REQUIRE(broadcast_shapes({2, 3, 4, 5}, {1, 3, 1, 1}, "mul") == Shape{2, 3, 4, 5});
    REQUIRE(broadcast_shapes({}, {2, 2}, "add") == Shape{2, 2});
    REQUIRE(broadcast_shapes({5, 1, 4}, {3, 1}, "add") == Shape{5, 3, 4});
    REQUIRE_THROWS_AS(broadcast_shapes({2, 3}, {4}, "sub"), Error);
    REQUIRE_THROWS_WITH(broadcast_shapes({2, 3}, {4}, "sub"),
                        Catch::Contains("sub") && Catch::Contains("[2, 3]") && Catch::Contains("[4]"));
}

TEST_CASE("wrap_dim counts negative dimensions from the end", "[core][shape]") {
    const Shape s{2, 3, 4};
    REQUIRE(s.wrap_dim(-1, "t") == 2);
    REQUIRE(s.wrap_dim(-3, "t") == 0);
    REQUIRE(s.wrap_dim(1, "t") == 1);
    REQUIRE_THROWS_WITH(s.wrap_dim(3, "sum"), Catch::Contains("sum") && Catch::Contains("[2, 3, 4]"));
    REQUIRE_THROWS_AS(s.wrap_dim(-4, "sum"), Error);
    REQUIRE(s.strides() == std::vector<std::int64_t>{12, 4, 1});
}

TEST_CASE("std::ostream << Tensor (and Shape) prints what fmt prints", "[core][format]") {
    const Tensor t = from_vector({1, 2, 3, 4}, {2, 2});
    std::ostringstream out;
    out << t << " and " << Tensor() << " of shape " << t.shape();
    REQUIRE(out.str() == fmt::format("{} and {} of shape {}", t, Tensor(), t.shape()));
}
