// transpose and cat: values by hand, gradients by gradcheck, and the errors they raise.
#include "support/compare.h"
#include "support/gradcheck.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;
using Catch::Contains;

TEST_CASE("transpose swaps two dimensions", "[autograd][shape_ops]") {
    const Tensor m = arange(0, 6).reshape({2, 3});  // [[0, 1, 2], [3, 4, 5]]
    const Tensor mt = transpose(m, 0, 1);
    REQUIRE(mt.shape() == Shape{3, 2});
    CHECK(mt.to_vector() == std::vector<float>{0, 3, 1, 4, 2, 5});
    CHECK(m.t().to_vector() == mt.to_vector());
    CHECK(m.transpose(-1, -2).to_vector() == mt.to_vector());
    // [2, 3, 4] with dims 0 and 2 swapped: out[k][j][i] = x[i][j][k] = 12 i + 4 j + k.
    const Tensor x = arange(0, 24).reshape({2, 3, 4});
    const Tensor y = transpose(x, 2, 0);
    REQUIRE(y.shape() == Shape{4, 3, 2});
    for (std::int64_t k = 0; k < 4; ++k)
        for (std::int64_t j = 0; j < 3; ++j)
            for (std::int64_t i = 0; i < 2; ++i) CHECK(y.at({k, j, i}) == float(12 * i + 4 * j + k));
    CHECK(transpose(x, 1, 1).to_vector() == x.to_vector());
    CHECK_THROWS_WITH(transpose(x, 0, 3), Contains("transpose") && Contains("out of range"));
    CHECK_THROWS_WITH(x.t(), Contains("t: expects a 2-d tensor, got [2, 3, 4]"));
}

TEST_CASE("transpose passes gradcheck", "[autograd][shape_ops]") {
    manual_seed(81);
    const Tensor x = randn({2, 3, 4, 2}).requires_grad_();
    REQUIRE(
        test::passes_gradcheck([](const std::vector<Tensor>& in) { return transpose(in[0], 1, 3); }, {x}));
    const Tensor m = randn({3, 5}).requires_grad_();
    REQUIRE(test::passes_gradcheck([](const std::vector<Tensor>& in) { return in[0].t(); }, {m}));
}

TEST_CASE("cat joins tensors along a dimension", "[autograd][shape_ops]") {
    const Tensor a = arange(0, 4).reshape({2, 2});    // [[0, 1], [2, 3]]
    const Tensor b = arange(10, 16).reshape({2, 3});  // [[10, 11, 12], [13, 14, 15]]
    const Tensor c = arange(20, 22).reshape({1, 2});  // [[20, 21]]
    const Tensor ab = cat({a, b}, 1);
    REQUIRE(ab.shape() == Shape{2, 5});
    CHECK(ab.to_vector() == std::vector<float>{0, 1, 10, 11, 12, 2, 3, 13, 14, 15});
    CHECK(cat({a, b}, -1).to_vector() == ab.to_vector());
    const Tensor ac = cat({a, c});
    REQUIRE(ac.shape() == Shape{3, 2});
    CHECK(ac.to_vector() == std::vector<float>{0, 1, 2, 3, 20, 21});
    // Channels of two feature maps, as a dense block concatenates them: [1, 1, 2, 2] and [1, 2, 2, 2].
    const Tensor f = cat({arange(0, 4).reshape({1, 1, 2, 2}), arange(4, 12).reshape({1, 2, 2, 2})}, 1);
    REQUIRE(f.shape() == Shape{1, 3, 2, 2});
    CHECK(f.to_vector() == arange(0, 12).to_vector());
    CHECK(cat({a}, 0).to_vector() == a.to_vector());
}

TEST_CASE("cat sends each input its slice of the gradient", "[autograd][shape_ops]") {
    manual_seed(82);
    const Tensor a = randn({2, 1, 3}).requires_grad_(), b = randn({2, 4, 3}).requires_grad_(),
                 c = randn({2, 2, 3}).requires_grad_();
    REQUIRE(test::passes_gradcheck([](const std::vector<Tensor>& in) { return cat(in, 1); }, {a, b, c}));
    // An input that needs no gradient gets none, and the others still get theirs.
    Tensor x = ones({2, 2}).requires_grad_();
    const Tensor fixed = ones({2, 1});
    cat({fixed, x}, 1).backward(from_vector({1, 2, 3, 4, 5, 6}, {2, 3}));
    CHECK(x.grad().to_vector() == std::vector<float>{2, 3, 5, 6});
    CHECK_FALSE(fixed.grad().defined());
}

TEST_CASE("cat names the tensor whose shape does not fit", "[autograd][shape_ops]") {
    CHECK_THROWS_WITH(cat({}, 0), "cat: needs at least one tensor");
    CHECK_THROWS_WITH(
        cat({zeros({2, 3}), zeros({3, 3})}, 1),
        "cat: tensor 1 has shape [3, 3], but tensor 0 has [2, 3]: all sizes but dimension 1 must "
        "agree");
    CHECK_THROWS_WITH(cat({zeros({2, 3}), zeros({2, 3, 1})}, 0), Contains("tensor 1 has shape [2, 3, 1]"));
    CHECK_THROWS_WITH(cat({zeros({2}), Tensor()}, 0), "cat: tensor 1 is undefined");
    CHECK_THROWS_WITH(cat({zeros({2})}, 1), Contains("cat") && Contains("out of range"));
}
