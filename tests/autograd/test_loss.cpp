// log_softmax and cross_entropy forward values, stability and gradients.
#include "support/compare.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;
using nabla::test::all_close;

TEST_CASE("log_softmax subtracts the row's logsumexp", "[autograd][loss]") {
    const Tensor x = from_vector({1, 2, 3, 0, 0, 0}, {2, 3});
    // logsumexp(1, 2, 3) = 3.40760596; logsumexp(0, 0, 0) = log 3 = 1.09861229
    REQUIRE(all_close(log_softmax(x),
                      {-2.40760596f, -1.40760596f, -0.40760596f, -1.09861229f, -1.09861229f, -1.09861229f}));
    REQUIRE(log_softmax(x, 1).to_vector() == log_softmax(x, -1).to_vector());
    REQUIRE_THROWS_WITH(log_softmax(x, 0), Catch::Contains("log_softmax"));
}

TEST_CASE("log_softmax is stable for large logits", "[autograd][loss]") {
    const Tensor x = from_vector({1000, 0, -1000}, {1, 3});
    const auto y = log_softmax(x).to_vector();
    for (float v : y) REQUIRE(std::isfinite(v));
    REQUIRE(all_close(y, {0.0f, -1000.0f, -2000.0f}));
}

TEST_CASE("cross_entropy with mean, sum and none reductions", "[autograd][loss]") {
    const Tensor logits = from_vector({1, 2, 3, 1, 1, 1}, {2, 3});
    const Tensor labels = from_vector({2, 0}, {2});
    const Tensor none = cross_entropy(logits, labels, Reduction::none);
    REQUIRE(none.shape() == Shape{2});
    REQUIRE(all_close(none, {0.40760596f, 1.09861229f}));
    const Tensor s = cross_entropy(logits, labels, Reduction::sum);
    REQUIRE(s.shape() == Shape{});
    REQUIRE(s.item() == Approx(1.50621825f).epsilon(1e-6));
    REQUIRE(cross_entropy(logits, labels).item() == Approx(0.75310912f).epsilon(1e-6));
}

TEST_CASE("cross_entropy is numerically stable with logits like 1000", "[autograd][loss]") {
    Tensor logits = from_vector({1000, 0, -1000, -1000, 1000, 999}, {2, 3});
    logits.requires_grad_();
    const Tensor labels = from_vector({0, 2}, {2});
    const Tensor l = cross_entropy(logits, labels, Reduction::none);
    // Row 0 is certain and right: 0. Row 1: -log(e^999 / (e^1000 + e^999)) = log(1 + e) = 1.31326169.
    REQUIRE(all_close(l, {0.0f, 1.31326169f}));
    sum(l).backward();
    for (float g : logits.grad().to_vector()) REQUIRE(std::isfinite(g));
    // softmax(row 1) = [0, 0.7310586, 0.2689414]; minus the one-hot at class 2.
    REQUIRE(all_close(logits.grad(), {0, 0, 0, 0, 0.7310586f, -0.7310586f}, 1e-5f));
}

TEST_CASE("cross_entropy gradient is (softmax - onehot) / N for the mean", "[autograd][loss]") {
    Tensor logits = from_vector({0, 0, 0, 0, 0, 0}, {2, 3});
    logits.requires_grad_();
    cross_entropy(logits, from_vector({1, 2}, {2})).backward();
    const float t = 1.0f / 6.0f, u = (1.0f / 3.0f - 1.0f) / 2.0f;
    REQUIRE(all_close(logits.grad(), {t, u, t, t, t, u}));
}

TEST_CASE("cross_entropy rejects labels that are not class indices", "[autograd][loss]") {
    const Tensor logits = zeros({2, 3});
    REQUIRE_THROWS_AS(cross_entropy(logits, from_vector({0, 3}, {2})), Error);
    REQUIRE_THROWS_WITH(cross_entropy(logits, from_vector({0, 3}, {2})), Catch::Contains("cross_entropy") &&
                                                                             Catch::Contains("3") &&
                                                                             Catch::Contains("[2, 3]"));
    REQUIRE_THROWS_WITH(cross_entropy(logits, from_vector({-1, 0}, {2})), Catch::Contains("-1"));
    REQUIRE_THROWS_WITH(cross_entropy(logits, from_vector({0.5f, 0}, {2})), Catch::Contains("0.5"));
    REQUIRE_THROWS_WITH(
        cross_entropy(logits, from_vector({0, 1, 2}, {3})),
        Catch::Contains("cross_entropy") && Catch::Contains("[2, 3]") && Catch::Contains("[3]"));
}
