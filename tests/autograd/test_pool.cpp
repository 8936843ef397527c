// max_pool2d forward values and its gradient routing.
#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;

TEST_CASE("max_pool2d 2x2 stride 2 takes the window maxima", "[autograd][pool]") {
    const Tensor x = from_vector({1, 5, 2, 0,  //
                                  3, 4, 8, 1,  //
                                  0, 0, 1, 2,  //
                                  9, 0, 3, 7},
                                 {1, 1, 4, 4});
    const Tensor y = max_pool2d(x, 2);  // stride defaults to the kernel size
    REQUIRE(y.shape() == Shape{1, 1, 2, 2});
    REQUIRE(y.to_vector() == std::vector<float>{5, 8, 9, 7});
}

TEST_CASE("max_pool2d with stride 1, odd sizes and several channels", "[autograd][pool]") {
    const Tensor x = arange(0, 18).reshape({1, 2, 3, 3});
    const Tensor y = max_pool2d(x, 2, 1);
    REQUIRE(y.shape() == Shape{1, 2, 2, 2});
    REQUIRE(y.to_vector() == std::vector<float>{4, 5, 7, 8, 13, 14, 16, 17});
    // 3x3 window, stride 2 on 5x5: floor((5 - 3) / 2) + 1 = 2
    const Tensor z = max_pool2d(arange(0, 25).reshape({1, 1, 5, 5}), 3, 2);
    REQUIRE(z.to_vector() == std::vector<float>{12, 14, 22, 24});
}

TEST_CASE("max_pool2d padding never wins over negative values", "[autograd][pool]") {
    Tensor x = full({1, 1, 2, 2}, -5.0f);
    x.data()[3] = -1.0f;
    const Tensor y = max_pool2d(x, 2, 1, 1);  // 3x3 outputs, every window partly padding
    REQUIRE(y.shape() == Shape{1, 1, 3, 3});
    REQUIRE(y.to_vector() == std::vector<float>{-5, -5, -5, -5, -1, -1, -5, -1, -1});
}

TEST_CASE("max_pool2d sends each gradient to its window's maximum", "[autograd][pool]") {
    Tensor x = from_vector({1, 5, 2, 0, 3, 4, 8, 1, 0, 0, 1, 2, 9, 0, 3, 7}, {1, 1, 4, 4});
    x.requires_grad_();
    max_pool2d(x, 2).backward(from_vector({1, 2, 3, 4}, {1, 1, 2, 2}));
    REQUIRE(x.grad().to_vector() == std::vector<float>{0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0, 4});
    // Overlapping windows add up at a shared maximum.
    Tensor z = from_vector({0, 0, 0, 0, 9, 0, 0, 0, 0}, {1, 1, 3, 3});
    z.requires_grad_();
    sum(max_pool2d(z, 2, 1)).backward();
    REQUIRE(z.grad().to_vector() == std::vector<float>{0, 0, 0, 0, 4, 0, 0, 0, 0});
}
