// matmul and linear forward values.
#include "support/compare.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;
using nabla::test::all_close;

TEST_CASE("matmul of 2-d matrices", "[autograd][matmul]") {
    // [[1,2,3],[4,5,6]] x [[1,0],[0,1],[1,1]] = [[4,5],[10,11]]
    const Tensor a = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
    const Tensor b = from_vector({1, 0, 0, 1, 1, 1}, {3, 2});
    const Tensor c = matmul(a, b);
    REQUIRE(c.shape() == Shape{2, 2});
    REQUIRE(c.to_vector() == std::vector<float>{4, 5, 10, 11});
}

TEST_CASE("matmul of batched 3-d by 3-d", "[autograd][matmul]") {
    // batch 0: I x B0 = B0; batch 1: 2I x B1 = 2 B1
    const Tensor a = from_vector({1, 0, 0, 1, 2, 0, 0, 2}, {2, 2, 2});
    const Tensor b = from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {2, 2, 3});
    const Tensor c = matmul(a, b);
    REQUIRE(c.shape() == Shape{2, 2, 3});
    REQUIRE(c.to_vector() == std::vector<float>{1, 2, 3, 4, 5, 6, 14, 16, 18, 20, 22, 24});
}

TEST_CASE("matmul of 3-d by a shared 2-d matrix", "[autograd][matmul]") {
    const Tensor a = arange(0, 12).reshape({2, 3, 2});
    const Tensor b = from_vector({1, 1, 0, 1}, {2, 2});  // c[., m, :] = [a0, a0 + a1]
    const Tensor c = matmul(a, b);
    REQUIRE(c.shape() == Shape{2, 3, 2});
    REQUIRE(c.to_vector() == std::vector<float>{0, 1, 2, 5, 4, 9, 6, 13, 8, 17, 10, 21});
}

TEST_CASE("matmul gradients match hand-computed values", "[autograd][matmul]") {
    Tensor a = from_vector({1, 2, 3, 4}, {2, 2}), b = from_vector({5, 6, 7, 8}, {2, 2});
    a.requires_grad_();
    b.requires_grad_();
    sum(matmul(a, b)).backward();
    // da = ones * b^T: row sums of b; db = a^T * ones: column sums of a, repeated.
    REQUIRE(a.grad().to_vector() == std::vector<float>{11, 15, 11, 15});
    REQUIRE(b.grad().to_vector() == std::vector<float>{4, 4, 6, 6});
}

TEST_CASE("linear with and without bias", "[autograd][matmul]") {
    const Tensor x = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
    const Tensor w = from_vector({1, 0, -1, 0.5f, 0.5f, 0.5f}, {2, 3});
    const Tensor b = from_vector({10, -10}, {2});
    Tensor y = linear(x, w);
    REQUIRE(y.shape() == Shape{2, 2});
    REQUIRE(all_close(y, {-2, 3, -2, 7.5f}));
    y = linear(x, w, b);
    REQUIRE(all_close(y, {8, -7, 8, -2.5f}));
}

TEST_CASE("linear gradients match hand-computed values", "[autograd][matmul]") {
    Tensor x = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
    Tensor w = from_vector({1, 0, -1, 0.5f, 0.5f, 0.5f}, {2, 3});
    Tensor b = from_vector({10, -10}, {2});
    for (Tensor* t : {&x, &w, &b}) t->requires_grad_();
    linear(x, w, b).backward(from_vector({1, 2, 3, 4}, {2, 2}));
    // dx = g W, dW = g^T x, db = column sums of g
    REQUIRE(all_close(x.grad(), {2, 1, 0, 5, 2, -1}));
    REQUIRE(all_close(w.grad(), {13, 17, 21, 18, 24, 30}));
    REQUIRE(all_close(b.grad(), {4, 6}));
}
