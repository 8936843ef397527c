#include "support/compare.h"
#include "support/gradcheck.h"
#include "support/inputs.h"

#include <catch2/catch.hpp>

using namespace nabla;
using Catch::Matchers::Contains;

namespace {

// BN written as a composition of primitive ops (gradients from the tape), the
// reference for the fused op. Statistics over every dimension except 1.
Tensor composed_batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) {
    std::vector<std::int64_t> dims{0};
    std::vector<std::int64_t> param_shape{x.size(1)};
    for (std::int64_t d = 2; d < x.dim(); ++d) {
        dims.push_back(d);
        param_shape.push_back(1);
    }
    const Tensor mu = mean(x, dims, true);
    const Tensor xc = x - mu;
    const Tensor var = mean(xc * xc, dims, true);
    const Shape ps(param_shape);
    return xc / sqrt(var + eps) * gamma.reshape(ps) + beta.reshape(ps);
}

void randomise_affine(nn::BatchNorm& bn) {
    test::fill_uniform(bn.weight(), 0.5f, 1.5f);
    test::fill_uniform(bn.bias(), -1.0f, 1.0f);
}

}  // namespace

TEST_CASE("BatchNorm1d after Linear passes gradcheck for input, weight, gamma and beta",
          "[layers][batchnorm]") {
    manual_seed(1);
    nn::Sequential net;
    net.append(nn::Linear({.in = 5, .out = 4, .bias = false}));
    // gradcheck re-runs forward many times: without running stats nothing changes between runs.
    auto& bn = net.append(nn::BatchNorm1d({.num_features = 4, .track_running_stats = false}));
    randomise_affine(bn);
    REQUIRE(test::module_passes_gradcheck(net, randn({6, 5})));
}

TEST_CASE("BatchNorm1d on [N, C, L] passes gradcheck with momentum 0", "[layers][batchnorm]") {
    manual_seed(2);
    // momentum 0 leaves the running statistics untouched, so repeated forwards agree.
    nn::BatchNorm1d bn({.num_features = 3, .momentum = 0.0f});
    randomise_affine(bn);
    REQUIRE(test::module_passes_gradcheck(bn, randn({4, 3, 5})));
}

TEST_CASE("BatchNorm2d after Conv2d passes gradcheck for input, filters, gamma and beta",
          "[layers][batchnorm]") {
    manual_seed(3);
    nn::Sequential net;
    net.append(nn::Conv2d({.in = 2, .out = 3, .kernel = 3, .padding = 1, .bias = false}));
    auto& bn = net.append(nn::BatchNorm2d({.num_features = 3, .momentum = 0.0f}));
    randomise_affine(bn);
    REQUIRE(test::module_passes_gradcheck(net, randn({2, 2, 4, 4})));
}

TEST_CASE("BatchNorm in eval mode passes gradcheck", "[layers][batchnorm]") {
    manual_seed(4);
    nn::BatchNorm2d bn({.num_features = 3});
    randomise_affine(bn);
    bn(randn({4, 3, 2, 2}, 1.0f, 2.0f));  // non-trivial running statistics
    bn.eval();
    REQUIRE(test::module_passes_gradcheck(bn, randn({2, 3, 2, 2})));
}

TEST_CASE("batch_norm forward and backward equal a composition of primitive ops", "[layers][batchnorm]") {
    manual_seed(5);
    for (const Shape& shape : {Shape{8, 4}, Shape{3, 4, 5}, Shape{2, 4, 3, 3}}) {
        INFO("input " << shape.str());
        const Tensor x0 = randn(shape, 0.5f, 2.0f);
        const Tensor gamma0 = rand({4}, 0.5f, 1.5f), beta0 = randn({4});
        const Tensor G = randn(shape);
        Tensor x1 = x0.clone().requires_grad_(), g1 = gamma0.clone().requires_grad_(),
               b1 = beta0.clone().requires_grad_();
        Tensor x2 = x0.clone().requires_grad_(), g2 = gamma0.clone().requires_grad_(),
               b2 = beta0.clone().requires_grad_();
        Tensor fused = batch_norm(x1, g1, b1, Tensor(), Tensor(), {.use_batch_stats = true, .eps = 1e-5f});
        Tensor composed = composed_batch_norm(x2, g2, b2, 1e-5f);
        CHECK(test::max_abs_diff(fused, composed) < 1e-5f);
        fused.backward(G);
        composed.backward(G);
        CHECK(test::max_abs_diff(x1.grad(), x2.grad()) < 1e-5f);
        CHECK(test::max_abs_diff(g1.grad(), g2.grad()) < 1e-4f);
        CHECK(test::max_abs_diff(b1.grad(), b2.grad()) < 1e-4f);
    }
}

TEST_CASE("BatchNorm training normalises each feature to mean 0 and variance 1", "[layers][batchnorm]") {
    manual_seed(6);
    nn::BatchNorm1d bn({.num_features = 3});
    const Tensor y = bn(randn({64, 3}, 3.0f, 5.0f));
    const Tensor m = mean(y, {0}), v = mean(y * y, {0});
    for (std::int64_t c = 0; c < 3; ++c) {
        CHECK(std::fabs(m.data()[c]) < 1e-5f);
        CHECK(v.data()[c] == Approx(1.0f).margin(1e-3));
    }
}

TEST_CASE("BatchNorm running stats use the unbiased variance and the new-batch momentum",
          "[layers][batchnorm]") {
    // Feature values 1, 2, 3, 6: mean 3, biased variance 3.5, unbiased 14/3.
    const Tensor x = from_vector({1, 2, 3, 6}, {4, 1});
    SECTION("momentum 0.1") {
        nn::BatchNorm1d bn({.num_features = 1});
        bn(x);
        CHECK(bn.running_mean().item() == Approx(0.1f * 3.0f));
        CHECK(bn.running_var().item() == Approx(0.9f + 0.1f * 14.0f / 3.0f));
        CHECK(bn.num_batches_tracked().item() == 1.0f);
    }
    SECTION("momentum 0 freezes the running statistics") {
        nn::BatchNorm1d bn({.num_features = 1, .momentum = 0.0f});
        bn(x);
        bn(x);
        CHECK(bn.running_mean().item() == 0.0f);
        CHECK(bn.running_var().item() == 1.0f);
        CHECK(bn.num_batches_tracked().item() == 2.0f);
    }
    SECTION("momentum 1 keeps only the last batch") {
        nn::BatchNorm1d bn({.num_features = 1, .momentum = 1.0f});
        bn(from_vector({10, 20, 30, 40}, {4, 1}));
        bn(x);
        CHECK(bn.running_mean().item() == Approx(3.0f));
        CHECK(bn.running_var().item() == Approx(14.0f / 3.0f));
    }
    SECTION("eval mode leaves the running statistics untouched") {
        nn::BatchNorm1d bn({.num_features = 1});
        bn.eval();
        bn(x);
        CHECK(bn.running_mean().item() == 0.0f);
        CHECK(bn.running_var().item() == 1.0f);
        CHECK(bn.num_batches_tracked().item() == 0.0f);
    }
}

TEST_CASE("BatchNorm eval uses running statistics, so one sample gets a fixed answer",
          "[layers][batchnorm]") {
    nn::BatchNorm1d bn({.num_features = 1, .momentum = 1.0f});
    bn(from_vector({1, 2, 3, 6}, {4, 1}));  // running mean 3, running var 14/3
    bn.eval();
    const float expected = (5.0f - 3.0f) / std::sqrt(14.0f / 3.0f + 1e-5f);
    CHECK(bn(from_vector({5}, {1, 1})).item() == Approx(expected));
    CHECK(bn(from_vector({5, -100}, {2, 1})).at({0, 0}) == Approx(expected));  // independent of the batch
}

TEST_CASE("BatchNorm with affine=false has no parameters and normalises only", "[layers][batchnorm]") {
    manual_seed(7);
    nn::BatchNorm2d bn({.num_features = 3, .affine = false});
    CHECK(bn.parameters().empty());
    CHECK(bn.parameter_count() == 0);
    CHECK(bn.buffers().size() == 3);
    CHECK_FALSE(bn.weight().defined());
    const Tensor x = randn({2, 3, 4, 4}, 1.0f, 3.0f);
    const Tensor y = bn(x);
    const Tensor ref = composed_batch_norm(x, ones({3}), zeros({3}), 1e-5f);
    CHECK(test::max_abs_diff(y, ref) < 1e-5f);
    CHECK(test::module_passes_gradcheck(bn, randn({2, 3, 2, 2}), {}));
}

TEST_CASE("BatchNorm with track_running_stats=false has no buffers and uses batch stats in eval",
          "[layers][batchnorm]") {
    manual_seed(8);
    nn::BatchNorm1d bn({.num_features = 3, .track_running_stats = false});
    CHECK(bn.buffers().empty());
    CHECK(bn.parameters().size() == 2);
    const Tensor x = randn({5, 3}, 2.0f, 1.0f);
    const Tensor y_train = bn(x);
    bn.eval();
    const Tensor y_eval = bn(x);
    CHECK(test::max_abs_diff(y_train, y_eval) == 0.0f);
    CHECK(std::fabs(mean(y_eval).item()) < 1e-5f);
    // Batch statistics even in eval: one sample per channel is still an error.
    CHECK_THROWS_WITH(bn(randn({1, 3})), Contains("BatchNorm1d(3)"));
}

TEST_CASE("BatchNorm training on one value per channel is an error naming the layer and the shape",
          "[layers][batchnorm]") {
    nn::BatchNorm1d bn({.num_features = 256});
    const Tensor x = randn({1, 256});
    REQUIRE_THROWS_AS(bn(x), Error);
    CHECK_THROWS_WITH(bn(x), Contains("BatchNorm1d(256)") && Contains("[1, 256]") && Contains("eval()") &&
                                 Contains("larger batch"));
    nn::BatchNorm2d bn2({.num_features = 2});
    CHECK_THROWS_WITH(bn2(randn({1, 2, 1, 1})), Contains("BatchNorm2d(2)") && Contains("[1, 2, 1, 1]"));
    CHECK_NOTHROW(bn2(randn({1, 2, 2, 1})));  // two positions per channel are enough
    bn.eval();
    CHECK(bn(x).shape() == Shape{1, 256});  // eval mode: running statistics, any batch size
}

TEST_CASE("BatchNorm rejects a wrong channel count or rank naming the layer", "[layers][batchnorm]") {
    nn::BatchNorm1d bn({.num_features = 4});
    CHECK_THROWS_WITH(bn(randn({8, 5})), Contains("BatchNorm1d(4)") && Contains("[8, 5]"));
    CHECK_THROWS_WITH(bn(randn({8, 4, 2, 2})), Contains("BatchNorm1d(4)"));
    nn::BatchNorm2d bn2({.num_features = 4});
    CHECK_THROWS_WITH(bn2(randn({8, 4})), Contains("BatchNorm2d(4)"));
    CHECK_THROWS_AS(nn::BatchNorm1d({.num_features = 4, .momentum = 1.5f}), Error);
}

TEST_CASE("a bias before BatchNorm changes nothing and gets a zero gradient", "[layers][batchnorm]") {
    manual_seed(9);
    SECTION("Linear") {
        nn::Linear lin({.in = 6, .out = 4, .bias = true});
        nn::BatchNorm1d bn({.num_features = 4, .track_running_stats = false});
        randomise_affine(bn);
        const Tensor x = randn({8, 6});
        const Tensor y1 = bn(lin(x));
        lin.bias().copy_(randn({4}, 0.0f, 10.0f));
        const Tensor y2 = bn(lin(x));
        CHECK(test::max_abs_diff(y1, y2) < 1e-5f);
        y2.backward(randn(y2.shape()));
        for (float g : lin.bias().grad().to_vector()) CHECK(std::fabs(g) < 1e-5f);
        CHECK(test::max_abs_diff(lin.weight().grad(), zeros(lin.weight().shape())) >
              1e-3f);  // W still learns
    }
    SECTION("Conv2d") {
        nn::Conv2d conv({.in = 2, .out = 3, .kernel = 3, .bias = true});
        nn::BatchNorm2d bn({.num_features = 3, .track_running_stats = false});
        randomise_affine(bn);
        const Tensor x = randn({2, 2, 5, 5});
        const Tensor y1 = bn(conv(x));
        conv.bias().copy_(randn({3}, 0.0f, 10.0f));
        const Tensor y2 = bn(conv(x));
        CHECK(test::max_abs_diff(y1, y2) < 1e-5f);
        y2.backward(randn(y2.shape()));
        for (float g : conv.bias().grad().to_vector()) CHECK(std::fabs(g) < 1e-4f);
    }
}

TEST_CASE("linear_bn and conv_bn build the layer without bias", "[layers][batchnorm]") {
    nn::Sequential lb = nn::linear_bn(784, 256);
    CHECK(lb.size() == 2);
    CHECK_FALSE(lb.at<nn::Linear>(0).bias().defined());
    CHECK(lb.at<nn::BatchNorm1d>(1).options().num_features == 256);
    CHECK(lb.parameter_count() == 784 * 256 + 2 * 256);
    nn::Sequential cb =
        nn::conv_bn({.in = 1, .out = 8, .kernel = 3, .padding = 1, .bias = true}, {.momentum = 0.2f});
    CHECK_FALSE(cb.at<nn::Conv2d>(0).bias().defined());
    CHECK(cb.at<nn::BatchNorm2d>(1).options().momentum == 0.2f);
    CHECK(cb.parameter_count() == 8 * 9 + 2 * 8);
}

TEST_CASE("fold_batchnorm equals layer then BatchNorm in eval mode", "[layers][batchnorm]") {
    manual_seed(10);
    SECTION("Linear") {
        for (bool bias : {false, true}) {
            nn::Linear lin({.in = 7, .out = 5, .bias = bias});
            nn::BatchNorm1d bn({.num_features = 5, .momentum = 0.5f});
            randomise_affine(bn);
            for (int i = 0; i < 3; ++i) bn(lin(randn({16, 7}, 1.0f, 2.0f)));  // non-trivial running stats
            bn.eval();
            nn::Linear folded = nn::fold_batchnorm(lin, bn);
            CHECK(folded.bias().defined());
            const Tensor x = randn({9, 7});
            CHECK(test::max_abs_diff(folded(x), bn(lin(x))) < 1e-5f);
        }
    }
    SECTION("Conv2d, through the Module overload") {
        nn::Conv2d conv({.in = 3, .out = 4, .kernel = 3, .stride = 2, .padding = 1, .bias = false});
        nn::BatchNorm2d bn({.num_features = 4, .affine = true});
        randomise_affine(bn);
        for (int i = 0; i < 3; ++i) bn(conv(randn({4, 3, 6, 6}, 0.5f, 2.0f)));
        bn.eval();
        std::shared_ptr<nn::Module> folded = nn::fold_batchnorm(static_cast<const nn::Module&>(conv), bn);
        CHECK(folded->name() == "Conv2d");
        const Tensor x = randn({2, 3, 6, 6});
        CHECK(test::max_abs_diff((*folded)(x), bn(conv(x))) < 1e-5f);
    }
    SECTION("errors") {
        nn::Linear lin({.in = 3, .out = 2});
        CHECK_THROWS_AS(nn::fold_batchnorm(lin, nn::BatchNorm1d({.num_features = 3})), Error);
        CHECK_THROWS_AS(
            nn::fold_batchnorm(lin, nn::BatchNorm1d({.num_features = 2, .track_running_stats = false})),
            Error);
        CHECK_THROWS_AS(nn::fold_batchnorm(nn::ReLU(), nn::BatchNorm1d({.num_features = 2})), Error);
    }
}

TEST_CASE("BatchNorm gamma and beta are parameters, running stats are buffers", "[layers][batchnorm]") {
    nn::BatchNorm1d bn({.num_features = 256});
    CHECK(bn.parameter_count() == 512);
    const auto params = bn.named_parameters();
    REQUIRE(params.size() == 2);
    CHECK(params[0].first == "weight");
    CHECK(params[1].first == "bias");
    const auto bufs = bn.named_buffers();
    REQUIRE(bufs.size() == 3);
    CHECK(bufs[0].first == "running_mean");
    CHECK(bufs[1].first == "running_var");
    CHECK(bufs[2].first == "num_batches_tracked");
    for (const auto& [n, b] : bufs) CHECK_FALSE(b.requires_grad());
    CHECK(bn.running_var().to_vector() == std::vector<float>(256, 1.0f));
}
