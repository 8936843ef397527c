// Extending nabla from outside the library, as docs/extending.md describes: the extension
// example (examples/extension/softplus.h), an op with its own backward and a layer composed
// of ops, checked here with the suite's own tools. The test suite also builds and runs the
// example as a project of its own against the installed package (tests/install/run.sh).
#include "examples/extension/softplus.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <cmath>

using namespace nabla;
using myext::ScaledSoftplus;
using myext::softplus;

TEST_CASE("the example's softplus and ScaledSoftplus compute log(1 + exp(.)) and check their input",
          "[layers][extending]") {
    // log(1 + e^x) by hand: log 2, log(1 + e), e^-30 (log1p of a tiny value), and x itself for large x.
    const std::vector<float> y = softplus(from_vector({0.0f, 1.0f, -30.0f, 30.0f}, {4})).to_vector();
    CHECK(y[0] == Approx(0.693147f));
    CHECK(y[1] == Approx(1.313262f));
    CHECK(y[2] == Approx(9.357623e-14f));
    CHECK(y[3] == 30.0f);
    ScaledSoftplus layer(2);
    layer.scale().copy_(from_vector({2.0f, 1.0f}, {2}));
    layer.shift().copy_(from_vector({0.0f, -1.0f}, {2}));
    // softplus(x * scale + shift) per column: softplus(2 * 0.5 + 0) and softplus(1 * 1 - 1).
    const std::vector<float> z = layer(from_vector({0.5f, 1.0f}, {1, 2})).to_vector();
    CHECK(z[0] == Approx(1.313262f));
    CHECK(z[1] == Approx(0.693147f));
    CHECK_THROWS_WITH(layer(zeros({3, 4})),
                      Catch::Contains("ScaledSoftplus: expected input [N, 2], got [3, 4]"));
    CHECK_THROWS_WITH(ScaledSoftplus(0), Catch::Contains("features must be positive"));
}

TEST_CASE("a custom op with its own backward passes gradcheck", "[layers][extending]") {
    manual_seed(30);
    Tensor x = randn({4, 5}, 0.0f, 3.0f).requires_grad_();
    const auto r = gradcheck([](const std::vector<Tensor>& in) { return softplus(in[0]); }, {x});
    INFO(r.report);
    REQUIRE(r.ok);
}

TEST_CASE("a custom layer passes gradcheck and trains inside a Sequential", "[layers][extending]") {
    manual_seed(31);
    nn::Sequential net;
    net.append(nn::Linear({.in = 3, .out = 8}));
    auto& custom = net.append(ScaledSoftplus(8));
    net.append(nn::Linear({.in = 8, .out = 1}));
    CHECK(net.parameter_count() == 3 * 8 + 8 + 2 * 8 + 8 + 1);
    CHECK(net.named_parameters()[2].first == "1.scale");
    CHECK(net.repr().find("(1): ScaledSoftplus(8)") != std::string::npos);

    Tensor probe = randn({4, 8});
    std::vector<Tensor> inputs{probe.requires_grad_()};
    for (const Tensor& p : custom.parameters()) inputs.push_back(p);
    const auto r = gradcheck([&](const std::vector<Tensor>& in) { return custom(in[0]); }, inputs);
    INFO(r.report);
    REQUIRE(r.ok);

    // Regress y = x0 - 2 x1 + 0.5 x2 with plain gradient descent.
    const Tensor x = randn({64, 3});
    const Tensor target = matmul(x, from_vector({1.0f, -2.0f, 0.5f}, {3, 1}));
    auto loss_now = [&] { return nn::mse_loss(net(x), target); };
    const float first = loss_now().item();
    for (int step = 0; step < 100; ++step) {
        net.zero_grad();
        loss_now().backward();
        NoGradGuard no_grad;
        for (Tensor p : net.parameters()) {
            const Tensor g = p.grad();
            for (std::int64_t i = 0; i < p.numel(); ++i) p.data()[i] -= 0.05f * g.data()[i];
            p.bump_version();
        }
    }
    const float last = loss_now().item();
    INFO("loss " << first << " -> " << last);
    CHECK(last < 0.2f * first);
}
