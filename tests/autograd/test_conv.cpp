// conv2d forward values: a hand-computed example and PyTorch golden values.
#include "support/compare.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;
using nabla::test::all_close;

TEST_CASE("conv2d of a 3x3 image with a 2x2 kernel, stride 1, no padding", "[autograd][conv]") {
    const Tensor x = arange(1, 10).reshape({1, 1, 3, 3});       // [[1,2,3],[4,5,6],[7,8,9]]
    const Tensor w = from_vector({1, 0, 0, -1}, {1, 1, 2, 2});  // x[i,j] - x[i+1,j+1]
    Tensor y = conv2d(x, w);
    REQUIRE(y.shape() == Shape{1, 1, 2, 2});
    REQUIRE(y.to_vector() == std::vector<float>{-4, -4, -4, -4});
    y = conv2d(x, w, from_vector({0.5f}, {1}));
    REQUIRE(y.to_vector() == std::vector<float>{-3.5f, -3.5f, -3.5f, -3.5f});
}

TEST_CASE("conv2d with padding 1 sums the zero-padded neighbourhood", "[autograd][conv]") {
    const Tensor x = arange(1, 10).reshape({1, 1, 3, 3});
    const Tensor w = ones({2, 1, 3, 3});
    const Tensor b = from_vector({0, 100}, {2});
    const Tensor y = conv2d(x, w, b, 1, 1);
    REQUIRE(y.shape() == Shape{1, 2, 3, 3});
    REQUIRE(y.to_vector() == std::vector<float>{12, 21, 16, 27, 45, 33, 24, 39, 28,  //
                                                112, 121, 116, 127, 145, 133, 124, 139, 128});
}

TEST_CASE("conv2d with stride 2 on an odd-sized image", "[autograd][conv]") {
    const Tensor x = arange(0, 25).reshape({1, 1, 5, 5});
    const Tensor w = ones({1, 1, 1, 1});
    const Tensor y = conv2d(x, w, Tensor(), 2, 0);  // picks every other pixel
    REQUIRE(y.shape() == Shape{1, 1, 3, 3});
    REQUIRE(y.to_vector() == std::vector<float>{0, 2, 4, 10, 12, 14, 20, 22, 24});
}

TEST_CASE("conv2d with two input channels, stride 2, padding 1 matches PyTorch", "[autograd][conv]") {
    // Produced with PyTorch 1.13:
    //   x = ((torch.arange(50) % 7 - 3) / 4).reshape(1, 2, 5, 5)
    //   w = ((torch.arange(54) % 5 - 2) / 3).reshape(3, 2, 3, 3)
    //   b = torch.tensor([0.5, -1.0, 0.25])
    //   torch.nn.functional.conv2d(x, w, b, stride=2, padding=1).flatten()
    std::vector<float> xv(50), wv(54);
    for (int i = 0; i < 50; ++i) xv[size_t(i)] = float(i % 7 - 3) / 4.0f;
    for (int i = 0; i < 54; ++i) wv[size_t(i)] = float(i % 5 - 2) / 3.0f;
    const Tensor x = from_vector(xv, {1, 2, 5, 5}), w = from_vector(wv, {3, 2, 3, 3});
    const Tensor b = from_vector({0.5f, -1.0f, 0.25f}, {3});
    const Tensor y = conv2d(x, w, b, 2, 1);
    REQUIRE(y.shape() == Shape{1, 3, 3, 3});
    REQUIRE(all_close(y, {1.08333f,  -0.583333f, 0.0833333f, -0.5f,      -0.333333f, 0.916667f,  1.25f,
                          2.08333f,  -0.333333f, -2.0f,      -0.416667f, 0.166667f,  -0.666667f, -0.0833333f,
                          -1.91667f, -0.75f,     -2.0f,      -0.833333f, 1.41667f,   0.833333f,  -0.75f,
                          0.25f,     -1.25f,     1.33333f,   -0.416667f, 0.0f,       0.166667f},
                      1e-5f));
}

TEST_CASE("conv2d bias gradient sums over batch and pixels", "[autograd][conv]") {
    Tensor x = ones({2, 1, 3, 3});
    Tensor w = ones({1, 1, 2, 2});
    Tensor b = zeros({1});
    for (Tensor* t : {&x, &w, &b}) t->requires_grad_();
    sum(conv2d(x, w, b)).backward();
    REQUIRE(b.grad().to_vector() == std::vector<float>{8});  // 2 images x 4 outputs
    REQUIRE(w.grad().to_vector() == std::vector<float>{8, 8, 8, 8});
    // Each input pixel is covered by as many windows as it appears in: corners 1, edges 2, centre 4.
    REQUIRE(x.grad().to_vector() == std::vector<float>{1, 2, 1, 2, 4, 2, 1, 2, 1, 1, 2, 1, 2, 4, 2, 1, 2, 1});
}

TEST_CASE("conv2d on an empty batch gives an empty output and zero weight and bias gradients",
          "[autograd][conv]") {
    Tensor x = zeros({0, 2, 4, 4});
    Tensor w = ones({3, 2, 3, 3});
    Tensor b = ones({3});
    for (Tensor* t : {&x, &w, &b}) t->requires_grad_();
    const Tensor y = conv2d(x, w, b, 1, 1);
    REQUIRE(y.shape() == Shape{0, 3, 4, 4});
    y.backward(zeros(y.shape()));
    REQUIRE(w.grad().to_vector() == std::vector<float>(54, 0.0f));
    REQUIRE(b.grad().to_vector() == std::vector<float>{0, 0, 0});
    REQUIRE(x.grad().shape() == Shape{0, 2, 4, 4});
}
