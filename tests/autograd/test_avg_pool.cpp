// avg_pool2d against PyTorch 1.13 (values printed by tests/goldens/avg_pool.py, run with
// /usr/bin/python3), its gradcheck, and the AvgPool2d layer.
#include "support/compare.h"
#include "support/gradcheck.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <string>

using namespace nabla;

namespace {

struct Golden {
    std::string torch_call;
    std::int64_t kernel, stride, padding;
    bool count_include_pad;
    std::vector<std::int64_t> out_shape;
    std::vector<float> y, dx;
};

float max_diff(const Tensor& got, const std::vector<float>& want) {
    REQUIRE(got.numel() == static_cast<std::int64_t>(want.size()));
    float d = 0.0f;
    for (size_t i = 0; i < want.size(); ++i) d = std::max(d, std::abs(got.data()[i] - want[i]));
    return d;
}

}  // namespace

TEST_CASE("avg_pool2d matches PyTorch forward and backward", "[autograd][pool][avg_pool]") {
    // x = torch.arange(60.).reshape(1, 2, 5, 6) * 0.5 - 7; g = torch.linspace(-1, 1, y.numel())
    const std::vector<Golden> cases = {
        {"avg_pool2d(x, kernel_size=3, stride=2, padding=1)",
         3,
         2,
         1,
         true,
         {1, 2, 3, 3},
         {-2.33333325f, -3.0f, -2.33333325f, -0.5f, 0.0f, 1.0f, 1.66666663f, 3.0f, 3.66666675f, 4.33333349f,
          7.0f, 7.66666651f, 9.5f, 15.0f, 16.0f, 8.33333302f, 13.0f, 13.666667f},
         {-0.111111112f,  -0.209150329f,  -0.0980392173f, -0.18300654f,   -0.0849673226f,  -0.0849673226f,
          -0.18300654f,   -0.339869291f,  -0.156862751f,  -0.287581712f,  -0.130718946f,   -0.130718946f,
          -0.071895428f,  -0.130718961f,  -0.0588235334f, -0.104575165f,  -0.0457516313f,  -0.0457516313f,
          -0.104575165f,  -0.18300654f,   -0.0784313753f, -0.130718946f,  -0.0522875786f,  -0.0522875786f,
          -0.0326797366f, -0.0522875786f, -0.019607842f,  -0.0261437893f, -0.00653594732f, -0.00653594732f,
          0.00653594825f, 0.026143793f,   0.0196078438f,  0.052287586f,   0.0326797403f,   0.0326797403f,
          0.0522875823f,  0.130718961f,   0.0784313753f,  0.183006555f,   0.104575172f,    0.104575172f,
          0.045751635f,   0.104575172f,   0.0588235334f,  0.130718961f,   0.071895428f,    0.071895428f,
          0.130718961f,   0.287581712f,   0.156862751f,   0.339869291f,   0.18300654f,     0.18300654f,
          0.0849673226f,  0.18300654f,    0.0980392173f,  0.209150329f,   0.111111112f,    0.111111112f}},
        {"avg_pool2d(x, kernel_size=3, stride=2, padding=1, count_include_pad=False)",
         3,
         2,
         1,
         false,
         {1, 2, 3, 3},
         {-5.25f, -4.5f, -3.5f, -0.75f, 0.0f, 1.0f, 3.75f, 4.5f, 5.5f, 9.75f, 10.5f, 11.5f, 14.25f, 15.0f,
          16.0f, 18.75f, 19.5f, 20.5f},
         {-0.25f,         -0.397058845f, -0.14705883f,   -0.274509817f,  -0.127450988f,   -0.127450988f,
          -0.357843131f,  -0.563725531f, -0.20588237f,   -0.379084975f,  -0.173202619f,   -0.173202619f,
          -0.107843138f,  -0.166666672f, -0.0588235334f, -0.104575165f,  -0.0457516313f,  -0.0457516313f,
          -0.181372553f,  -0.269607842f, -0.0882352963f, -0.143790841f,  -0.0555555522f,  -0.0555555522f,
          -0.0735294074f, -0.10294117f,  -0.029411763f,  -0.0392156839f, -0.00980392098f, -0.00980392098f,
          0.0147058833f,  0.0441176482f, 0.0294117648f,  0.0784313753f,  0.0490196086f,   0.0490196086f,
          0.0833333358f,  0.171568632f,  0.0882352963f,  0.209150344f,   0.12091504f,     0.12091504f,
          0.0686274543f,  0.127450988f,  0.0588235334f,  0.130718961f,   0.071895428f,    0.071895428f,
          0.259803921f,   0.465686321f,  0.20588237f,    0.444444478f,   0.238562107f,    0.238562107f,
          0.191176474f,   0.338235319f,  0.14705883f,    0.313725501f,   0.166666672f,    0.166666672f}},
        {"avg_pool2d(x, kernel_size=2, stride=1)",
         2,
         1,
         0,
         true,
         {1, 2, 4, 5},
         {-5.25f, -4.75f, -4.25f, -3.75f, -3.25f, -2.25f, -1.75f, -1.25f, -0.75f, -0.25f,
          0.75f,  1.25f,  1.75f,  2.25f,  2.75f,  3.75f,  4.25f,  4.75f,  5.25f,  5.75f,
          9.75f,  10.25f, 10.75f, 11.25f, 11.75f, 12.75f, 13.25f, 13.75f, 14.25f, 14.75f,
          15.75f, 16.25f, 16.75f, 17.25f, 17.75f, 18.75f, 19.25f, 19.75f, 20.25f, 20.75f},
         {-0.25f,         -0.487179488f, -0.461538464f,  -0.43589744f,   -0.410256416f,  -0.198717952f,
          -0.43589744f,   -0.846153855f, -0.794871807f,  -0.743589759f,  -0.692307711f,  -0.333333343f,
          -0.307692319f,  -0.589743614f, -0.538461566f,  -0.487179518f,  -0.43589747f,   -0.205128223f,
          -0.179487199f,  -0.333333373f, -0.282051265f,  -0.230769247f,  -0.179487184f,  -0.0769230723f,
          -0.0576923117f, -0.102564104f, -0.0769230723f, -0.0512820482f, -0.0256410185f, -0.0064102523f,
          0.00641025975f, 0.0256410353f, 0.0512820631f,  0.0769230872f,  0.102564104f,   0.0576923043f,
          0.0769230723f,  0.179487184f,  0.230769232f,   0.282051265f,   0.333333343f,   0.179487169f,
          0.205128208f,   0.43589744f,   0.487179488f,   0.538461566f,   0.589743614f,   0.307692319f,
          0.333333343f,   0.692307711f,  0.743589759f,   0.794871807f,   0.846153855f,   0.43589744f,
          0.198717952f,   0.410256416f,  0.43589744f,    0.461538464f,   0.487179488f,   0.25f}},
    };
    for (const Golden& c : cases) {
        SECTION(c.torch_call) {
            Tensor x = (arange(0, 60) * 0.5f - 7.0f).reshape({1, 2, 5, 6}).detach().requires_grad_();
            const Tensor y = avg_pool2d(x, c.kernel, c.stride, c.padding, c.count_include_pad);
            REQUIRE(y.shape() == Shape(c.out_shape));
            // torch.linspace(-1, 1, n): -1 + 2 i / (n - 1)
            const std::int64_t n = y.numel();
            std::vector<float> g(static_cast<size_t>(n));
            for (std::int64_t i = 0; i < n; ++i) g[size_t(i)] = -1.0f + 2.0f * float(i) / float(n - 1);
            y.backward(from_vector(g, y.shape()));
            const float y_diff = max_diff(y, c.y), dx_diff = max_diff(x.grad(), c.dx);
            INFO("largest difference to PyTorch: y " << y_diff << ", dx " << dx_diff);
            CHECK(y_diff < 1e-5f);
            CHECK(dx_diff < 1e-6f);
        }
    }
}

TEST_CASE("avg_pool2d passes gradcheck with and without counting padding", "[autograd][pool][avg_pool]") {
    manual_seed(71);
    for (const bool count_pad : {true, false}) {
        const Tensor x = randn({2, 3, 7, 6}).requires_grad_();
        REQUIRE(test::passes_gradcheck(
            [&](const std::vector<Tensor>& in) { return avg_pool2d(in[0], 3, 2, 1, count_pad); }, {x}));
        REQUIRE(
            test::passes_gradcheck([](const std::vector<Tensor>& in) { return avg_pool2d(in[0], 2); }, {x}));
    }
}

TEST_CASE("avg_pool2d defaults its stride to the kernel and names bad windows",
          "[autograd][pool][avg_pool]") {
    const Tensor x = arange(0, 16).reshape({1, 1, 4, 4});
    // 2x2 windows of [[0, 1, 2, 3], [4, 5, 6, 7], ...]: (0 + 1 + 4 + 5) / 4 = 2.5, ...
    CHECK(avg_pool2d(x, 2).to_vector() == std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f});
    CHECK_THROWS_WITH(avg_pool2d(x, 5),
                      Catch::Contains("avg_pool2d: kernel 5 larger than the padded input 4x4"));
    CHECK_THROWS_WITH(avg_pool2d(x, 2, 2, 2), Catch::Contains("avg_pool2d: padding 2 must be at most half"));
    CHECK_THROWS_WITH(avg_pool2d(zeros({4, 4}), 2),
                      Catch::Contains("avg_pool2d: input must be [B, C, H, W]"));
}

TEST_CASE("AvgPool2d layer pools, prints its options and passes gradcheck", "[layers][pooling][avg_pool]") {
    nn::AvgPool2d pool({.kernel = 3, .stride = 2, .padding = 1, .count_include_pad = false});
    CHECK(pool.extra_repr() == "kernel=3, stride=2, padding=1, count_include_pad=false");
    CHECK(nn::AvgPool2d().extra_repr() == "kernel=2, stride=2, padding=0, count_include_pad=true");
    manual_seed(72);
    const Tensor x = randn({2, 2, 5, 5}).requires_grad_();
    CHECK(pool(x).shape() == Shape{2, 2, 3, 3});
    REQUIRE(test::passes_gradcheck([&](const std::vector<Tensor>& in) { return pool(in[0]); }, {x}));
}
