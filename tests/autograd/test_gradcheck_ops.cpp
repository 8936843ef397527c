// gradcheck of matmul, linear, conv2d, max_pool2d, the losses and batch_norm.
#include "support/gradcheck.h"
#include "support/inputs.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;
using nabla::test::distinct;
using nabla::test::param;
using nabla::test::passes_gradcheck;

namespace {
using In = const std::vector<Tensor>&;
}

TEST_CASE("gradcheck matmul: 2-d, batched and 3-d by 2-d", "[autograd][gradcheck]") {
    manual_seed(200);
    REQUIRE(passes_gradcheck([](In in) { return matmul(in[0], in[1]); }, {param({3, 5}), param({5, 4})}));
    REQUIRE(passes_gradcheck([](In in) { return matmul(in[0], in[1]); }, {param({1, 1}), param({1, 7})}));
    REQUIRE(
        passes_gradcheck([](In in) { return matmul(in[0], in[1]); }, {param({2, 3, 5}), param({2, 5, 4})}));
    REQUIRE(passes_gradcheck([](In in) { return matmul(in[0], in[1]); }, {param({3, 2, 5}), param({5, 3})}));
}

TEST_CASE("gradcheck linear with and without bias", "[autograd][gradcheck]") {
    manual_seed(201);
    const Tensor x = param({4, 5}), w = param({3, 5}), b = param({3});
    REQUIRE(passes_gradcheck([](In in) { return linear(in[0], in[1], in[2]); }, {x, w, b}));
    REQUIRE(passes_gradcheck([](In in) { return linear(in[0], in[1]); }, {x, w}));
    // Only some inputs requiring grad.
    REQUIRE(passes_gradcheck([&](In in) { return linear(x.detach(), in[0], in[1]); }, {w, b}));
}

TEST_CASE("gradcheck conv2d over strides, paddings, odd sizes and bias", "[autograd][gradcheck]") {
    manual_seed(202);
    struct Cfg {
        std::int64_t B, C, H, W, OC, K, S, P;
        bool bias;
    };
    for (const Cfg& c : {Cfg{1, 1, 4, 4, 1, 3, 1, 0, false}, Cfg{2, 2, 5, 5, 3, 3, 1, 1, true},
                         Cfg{2, 2, 7, 5, 2, 3, 2, 0, true}, Cfg{1, 3, 5, 6, 2, 3, 2, 1, false},
                         Cfg{2, 1, 6, 6, 2, 2, 2, 1, true}}) {
        INFO("B=" << c.B << " C=" << c.C << " H=" << c.H << " W=" << c.W << " OC=" << c.OC << " K=" << c.K
                  << " S=" << c.S << " P=" << c.P << " bias=" << c.bias);
        const Tensor x = param({c.B, c.C, c.H, c.W}), w = param({c.OC, c.C, c.K, c.K}), b = param({c.OC});
        const std::int64_t S = c.S, P = c.P;
        if (c.bias)
            REQUIRE(passes_gradcheck([S, P](In in) { return conv2d(in[0], in[1], in[2], S, P); }, {x, w, b}));
        else
            REQUIRE(passes_gradcheck([S, P](In in) { return conv2d(in[0], in[1], Tensor(), S, P); }, {x, w}));
    }
}

TEST_CASE("gradcheck max_pool2d", "[autograd][gradcheck]") {
    manual_seed(203);
    REQUIRE(passes_gradcheck([](In in) { return max_pool2d(in[0], 2); }, {distinct({2, 2, 4, 4})}));
    REQUIRE(passes_gradcheck([](In in) { return max_pool2d(in[0], 2, 1); }, {distinct({1, 2, 5, 5})}));
    REQUIRE(passes_gradcheck([](In in) { return max_pool2d(in[0], 3, 2, 1); }, {distinct({1, 1, 7, 7})}));
}

TEST_CASE("gradcheck log_softmax", "[autograd][gradcheck]") {
    manual_seed(204);
    REQUIRE(passes_gradcheck([](In in) { return log_softmax(in[0]); }, {param({4, 5}, -3.0f, 3.0f)}));
    REQUIRE(passes_gradcheck([](In in) { return log_softmax(in[0], 1); }, {param({1, 2})}));
}

TEST_CASE("gradcheck cross_entropy with every reduction", "[autograd][gradcheck]") {
    manual_seed(205);
    const Tensor logits = param({5, 4}, -3.0f, 3.0f);
    const Tensor labels = from_vector({0, 3, 1, 1, 2}, {5});
    for (Reduction r : {Reduction::mean, Reduction::sum, Reduction::none}) {
        INFO("reduction " << int(r));
        REQUIRE(passes_gradcheck([&labels, r](In in) { return cross_entropy(in[0], labels, r); }, {logits}));
    }
    // Behind a linear layer, as in a classifier head.
    REQUIRE(passes_gradcheck([&labels](In in) { return cross_entropy(linear(in[0], in[1], in[2]), labels); },
                             {param({5, 3}), param({4, 3}), param({4})}));
}

TEST_CASE("gradcheck batch_norm in training for input, gamma and beta", "[autograd][gradcheck]") {
    manual_seed(206);
    for (const Shape& s : {Shape{6, 3}, Shape{3, 2, 4}, Shape{2, 3, 3, 2}}) {
        INFO(fmt::format("input {}", s));
        const std::int64_t C = s[1];
        const Tensor x = param(s, -2.0f, 2.0f), gamma = param({C}, 0.5f, 1.5f), beta = param({C});
        Tensor rm = zeros({C}), rv = ones({C});
        REQUIRE(passes_gradcheck([&](In in) { return batch_norm(in[0], in[1], in[2], rm, rv); },
                                 {x, gamma, beta}));
        // Affine off: undefined gamma and beta.
        REQUIRE(passes_gradcheck(
            [](In in) { return batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor()); }, {x}));
    }
}

TEST_CASE("gradcheck batch_norm in training behind a linear layer", "[autograd][gradcheck]") {
    manual_seed(207);
    const Tensor x = param({8, 4}), w = param({3, 4}), b = param({3});
    const Tensor gamma = param({3}, 0.5f, 1.5f), beta = param({3});
    REQUIRE(passes_gradcheck(
        [](In in) { return batch_norm(linear(in[0], in[1], in[2]), in[3], in[4], Tensor(), Tensor()); },
        {x, w, b, gamma, beta}));
}

TEST_CASE("gradcheck batch_norm in training behind a conv2d", "[autograd][gradcheck]") {
    manual_seed(208);
    const Tensor x = param({2, 2, 5, 5}), w = param({3, 2, 3, 3}), b = param({3});
    const Tensor gamma = param({3}, 0.5f, 1.5f), beta = param({3});
    REQUIRE(passes_gradcheck(
        [](In in) { return batch_norm(conv2d(in[0], in[1], in[2], 2, 1), in[3], in[4], Tensor(), Tensor()); },
        {x, w, b, gamma, beta}));
}

TEST_CASE("gradcheck batch_norm in evaluation", "[autograd][gradcheck]") {
    manual_seed(209);
    const Tensor rm = from_vector({0.3f, -0.2f}, {2}), rv = from_vector({0.5f, 2.0f}, {2});
    for (const Shape& s : {Shape{1, 2}, Shape{3, 2, 4}, Shape{2, 2, 3, 3}}) {
        INFO(fmt::format("input {}", s));
        const Tensor x = param(s), gamma = param({2}, 0.5f, 1.5f), beta = param({2});
        REQUIRE(passes_gradcheck(
            [&](In in) { return batch_norm(in[0], in[1], in[2], rm, rv, {.use_batch_stats = false}); },
            {x, gamma, beta}));
    }
}
