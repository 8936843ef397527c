#include "support/compare.h"
#include "support/gradcheck.h"
#include "support/inputs.h"

#include <catch2/catch.hpp>

using namespace nabla;
using Catch::Matchers::Contains;

namespace {
// Values at least 0.05 away from 0, so ReLU and max are away from their kinks.
Tensor away_from_zero(const Shape& s) {
    Tensor x = randn(s);
    for (std::int64_t i = 0; i < x.numel(); ++i) {
        float& v = x.data()[i];
        v = v + (v >= 0 ? 0.05f : -0.05f) + 0.01f * float(i % 7);  // distinct values for max
    }
    return x;
}
}  // namespace

TEST_CASE("Linear passes gradcheck for input, weight and bias", "[layers][linear]") {
    manual_seed(20);
    nn::Linear with_bias({.in = 5, .out = 3});
    REQUIRE(test::module_passes_gradcheck(with_bias, randn({4, 5})));
    nn::Linear no_bias({.in = 5, .out = 3, .bias = false});
    CHECK(no_bias.parameters().size() == 1);
    REQUIRE(test::module_passes_gradcheck(no_bias, randn({4, 5})));
    CHECK_THROWS_WITH(with_bias(randn({4, 6})), Contains("Linear") && Contains("[4, 6]"));
}

TEST_CASE("Conv2d passes gradcheck for input, filters and bias", "[layers][conv2d]") {
    manual_seed(21);
    nn::Conv2d conv({.in = 2, .out = 3, .kernel = 3, .stride = 2, .padding = 1});
    REQUIRE(test::module_passes_gradcheck(conv, randn({2, 2, 5, 5})));
    CHECK(conv(randn({1, 2, 5, 5})).shape() == Shape{1, 3, 3, 3});
    CHECK_THROWS_WITH(conv(randn({1, 3, 5, 5})), Contains("Conv2d") && Contains("[1, 3, 5, 5]"));
}

TEST_CASE("Linear and Conv2d use PyTorch's default init bounds", "[layers][init]") {
    manual_seed(22);
    nn::Linear lin({.in = 100, .out = 50});
    const float bound = 1.0f / std::sqrt(100.0f);
    for (const Tensor& p : lin.parameters())
        for (float v : p.to_vector()) REQUIRE(std::fabs(v) <= bound);
    // Uniform in +-bound has variance bound^2 / 3.
    const Tensor w = lin.weight();
    CHECK(mean(w * w).item() == Approx(bound * bound / 3.0f).epsilon(0.05));
    nn::Conv2d conv({.in = 4, .out = 8, .kernel = 3});
    const float cbound = 1.0f / std::sqrt(4.0f * 9.0f);
    for (const Tensor& p : conv.parameters())
        for (float v : p.to_vector()) REQUIRE(std::fabs(v) <= cbound);
}

TEST_CASE("initialisers follow torch.nn.init and are seeded", "[layers][init]") {
    Tensor w = empty({400, 300});
    manual_seed(23);
    nn::kaiming_normal_(w, 0.0f, nn::FanMode::fan_in, nn::Nonlinearity::relu);
    CHECK(mean(w * w).item() == Approx(2.0f / 300.0f).epsilon(0.02));
    const std::vector<float> first = w.to_vector();
    manual_seed(23);
    nn::kaiming_normal_(w, 0.0f, nn::FanMode::fan_in, nn::Nonlinearity::relu);
    CHECK(w.to_vector() == first);
    nn::kaiming_uniform_(w, 0.0f, nn::FanMode::fan_out);
    CHECK(mean(w * w).item() == Approx(2.0f / 400.0f).epsilon(0.02));
    nn::xavier_uniform_(w);
    CHECK(mean(w * w).item() == Approx(2.0f / 700.0f).epsilon(0.02));
    nn::xavier_normal_(w, 2.0f);
    CHECK(mean(w * w).item() == Approx(4.0f * 2.0f / 700.0f).epsilon(0.02));
    Tensor conv_w = empty({8, 4, 3, 3});
    CHECK(nn::fan_in_and_fan_out(conv_w) == std::pair<std::int64_t, std::int64_t>{36, 72});
    Tensor bad = empty({5});
    CHECK_THROWS_AS(nn::xavier_uniform_(bad), Error);
}

TEST_CASE("activations, Flatten, Identity and MaxPool2d pass gradcheck", "[layers][activations]") {
    manual_seed(24);
    nn::ReLU relu_layer;
    REQUIRE(test::module_passes_gradcheck(relu_layer, away_from_zero({3, 4})));
    nn::Sigmoid sigmoid_layer;
    REQUIRE(test::module_passes_gradcheck(sigmoid_layer, randn({3, 4})));
    nn::Tanh tanh_layer;
    REQUIRE(test::module_passes_gradcheck(tanh_layer, randn({3, 4})));
    nn::Flatten flatten;
    REQUIRE(test::module_passes_gradcheck(flatten, randn({2, 3, 2, 2})));
    CHECK(flatten(randn({2, 3, 2, 2})).shape() == Shape{2, 12});
    nn::Identity identity;
    REQUIRE(test::module_passes_gradcheck(identity, randn({2, 3})));
    nn::MaxPool2d pool({.kernel = 2});
    REQUIRE(test::module_passes_gradcheck(pool, away_from_zero({2, 2, 4, 4})));
    CHECK(pool(randn({1, 1, 4, 4})).shape() == Shape{1, 1, 2, 2});
    CHECK(relu_layer(from_vector({-1, 2}, {2})).to_vector() == std::vector<float>{0, 2});
}

TEST_CASE("Dropout drops and rescales in training and is the identity in eval", "[layers][dropout]") {
    manual_seed(25);
    nn::Dropout drop({.p = 0.25f});
    const Tensor x = ones({100, 100});
    const Tensor y = drop(x);
    std::int64_t zeros_seen = 0;
    for (float v : y.to_vector()) {
        if (v == 0.0f)
            ++zeros_seen;
        else
            REQUIRE(v == Approx(1.0f / 0.75f));
    }
    CHECK(zeros_seen == Approx(2500).margin(250));
    drop.eval();
    CHECK(drop(x).same(x));
    // Seeded: the same seed drops the same elements; gradients follow the mask.
    drop.train();
    auto f = [&](const std::vector<Tensor>& in) {
        manual_seed(26);
        return drop(in[0]);
    };
    const auto r = gradcheck(f, {randn({4, 5}).requires_grad_()});
    INFO(r.report);
    CHECK(r.ok);
    CHECK_THROWS_AS(nn::Dropout({.p = 1.5f}), Error);
}

TEST_CASE("LayerNorm normalises each sample and passes gradcheck", "[layers][layernorm]") {
    manual_seed(27);
    nn::LayerNorm ln({.normalized_shape = {6}});
    test::fill_uniform(ln.weight(), 0.5f, 1.5f);
    test::fill_uniform(ln.bias(), -1.0f, 1.0f);
    REQUIRE(test::module_passes_gradcheck(ln, randn({3, 6}, 1.0f, 2.0f)));
    nn::LayerNorm plain({.normalized_shape = {2, 3}, .elementwise_affine = false});
    CHECK(plain.parameters().empty());
    const Tensor x = randn({4, 2, 3}, 3.0f, 2.0f);
    const Tensor y = plain(x);
    for (std::int64_t n = 0; n < 4; ++n) {
        double m = 0.0, v = 0.0;
        for (std::int64_t i = 0; i < 6; ++i) m += y.data()[n * 6 + i];
        for (std::int64_t i = 0; i < 6; ++i) v += double(y.data()[n * 6 + i]) * y.data()[n * 6 + i];
        CHECK(std::fabs(m / 6) < 1e-5);
        CHECK(v / 6 == Approx(1.0).margin(1e-3));
    }
    // Per sample: the answer for one sample does not depend on the rest of the batch.
    const Tensor one = plain(from_vector(std::vector<float>(x.data(), x.data() + 6), {1, 2, 3}));
    for (std::int64_t i = 0; i < 6; ++i) CHECK(one.data()[i] == Approx(y.data()[i]).margin(1e-6));
    CHECK_THROWS_WITH(plain(randn({4, 3, 2})), Contains("layer_norm") && Contains("[4, 3, 2]"));
}

TEST_CASE("the fused layer_norm op equals LayerNorm composed of primitive ops", "[layers][layernorm]") {
    manual_seed(29);
    // The reference: the same normalisation written with differentiable ops.
    auto composed = [](const Tensor& x, const Tensor& w, const Tensor& b, std::vector<std::int64_t> dims) {
        const Tensor mu = mean(x, dims, true);
        const Tensor xc = x - mu;
        const Tensor var = mean(xc * xc, dims, true);
        return xc / sqrt(var + 1e-5f) * w + b;
    };
    const Tensor x0 = randn({3, 2, 4}, 1.0f, 2.0f), w0 = rand({2, 4}, 0.5f, 1.5f), b0 = randn({2, 4});
    const Tensor G = randn({3, 2, 4});
    Tensor x1 = x0.clone().requires_grad_(), w1 = w0.clone().requires_grad_(),
           b1 = b0.clone().requires_grad_();
    Tensor x2 = x0.clone().requires_grad_(), w2 = w0.clone().requires_grad_(),
           b2 = b0.clone().requires_grad_();
    const Tensor fused = nn::layer_norm(x1, {2, 4}, w1, b1);
    const Tensor reference = composed(x2, w2, b2, {-2, -1});
    CHECK(test::max_abs_diff(fused, reference) < 1e-5f);
    fused.backward(G);
    reference.backward(G);
    CHECK(test::max_abs_diff(x1.grad(), x2.grad()) < 1e-5f);
    CHECK(test::max_abs_diff(w1.grad(), w2.grad()) < 1e-5f);
    CHECK(test::max_abs_diff(b1.grad(), b2.grad()) < 1e-5f);

    // Gradcheck with only some inputs wanting a gradient, and without affine.
    Tensor w = rand({5}, 0.5f, 1.5f).requires_grad_();
    auto r =
        gradcheck([](const std::vector<Tensor>& in) { return nn::layer_norm(in[0], {5}, in[1], Tensor()); },
                  {randn({4, 5}), w});
    INFO(r.report);
    CHECK(r.ok);
    r = gradcheck(
        [](const std::vector<Tensor>& in) { return nn::layer_norm(in[0], {5}, Tensor(), Tensor()); },
        {randn({4, 5}).requires_grad_()});
    INFO(r.report);
    CHECK(r.ok);
    CHECK_THROWS_WITH(nn::layer_norm(x0, {2, 4}, randn({8}), Tensor()),
                      Contains("weight and bias must be [2, 4]"));
}

TEST_CASE("GroupNorm normalises per sample and group and passes gradcheck", "[layers][groupnorm]") {
    manual_seed(28);
    nn::GroupNorm gn({.num_groups = 2, .num_channels = 4});
    test::fill_uniform(gn.weight(), 0.5f, 1.5f);
    test::fill_uniform(gn.bias(), -1.0f, 1.0f);
    REQUIRE(test::module_passes_gradcheck(gn, randn({2, 4, 3, 3}, 1.0f, 2.0f)));
    // One group is LayerNorm over [C, H, W] (with per-channel affine at identity).
    nn::GroupNorm one_group({.num_groups = 1, .num_channels = 4});
    nn::LayerNorm ln({.normalized_shape = {4, 2, 2}, .elementwise_affine = false});
    const Tensor x = randn({3, 4, 2, 2}, 1.0f, 3.0f);
    CHECK(test::max_abs_diff(one_group(x), ln(x)) < 1e-5f);
    // Works on a batch of 1 in training, unlike BatchNorm.
    CHECK(gn(randn({1, 4, 3, 3})).shape() == Shape{1, 4, 3, 3});
    CHECK(gn(randn({1, 4})).shape() == Shape{1, 4});
    CHECK_THROWS_AS(nn::GroupNorm({.num_groups = 3, .num_channels = 4}), Error);
    CHECK(gn.extra_repr() == "2, 4, eps=1e-05, affine=true");
}
