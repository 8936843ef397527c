// batch_norm forward values in training and evaluation, running statistics, errors.
#include "support/compare.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;
using nabla::test::all_close;

namespace {
// Per channel c of x [N, C, S...]: the mean and biased variance of its N*S values.
void channel_stats(const Tensor& x, std::int64_t c, double& mean, double& var) {
    const std::int64_t N = x.size(0), C = x.size(1), S = x.numel() / (N * C);
    double s = 0.0, ss = 0.0;
    for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t i = 0; i < S; ++i) s += x.data()[(n * C + c) * S + i];
    mean = s / double(N * S);
    for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t i = 0; i < S; ++i) {
            const double t = x.data()[(n * C + c) * S + i] - mean;
            ss += t * t;
        }
    var = ss / double(N * S);
}
}  // namespace

TEST_CASE("batch_norm training normalises each channel to mean 0 and variance 1", "[autograd][batch_norm]") {
    manual_seed(21);
    for (const Shape& s : {Shape{8, 3}, Shape{4, 3, 5}, Shape{2, 3, 4, 5}}) {
        INFO(fmt::format("input {}", s));
        const Tensor x = randn(s, 2.0f, 3.0f);
        const Tensor y = batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor());  // affine off
        REQUIRE(y.shape() == s);
        for (std::int64_t c = 0; c < 3; ++c) {
            double m = 0.0, v = 0.0;
            channel_stats(y, c, m, v);
            REQUIRE(m == Approx(0.0).margin(1e-5));
            REQUIRE(v == Approx(1.0).epsilon(1e-3));  // eps 1e-5 makes it slightly under 1
        }
    }
}

TEST_CASE("batch_norm applies gamma and beta per channel", "[autograd][batch_norm]") {
    // x [2, 2]: channel 0 = {1, 3} -> x_hat {-1, 1}; channel 1 = {5, 5} -> x_hat {0, 0}
    const Tensor x = from_vector({1, 5, 3, 5}, {2, 2});
    const Tensor gamma = from_vector({2, 3}, {2}), beta = from_vector({10, -1}, {2});
    BatchNormArgs args;
    args.eps = 1e-12f;
    const Tensor y = batch_norm(x, gamma, beta, Tensor(), Tensor(), args);
    REQUIRE(all_close(y, {8, -1, 12, -1}, 1e-5f));
}

TEST_CASE("batch_norm matches PyTorch in training and evaluation, [N, C, L]", "[autograd][batch_norm]") {
    // Produced with PyTorch 1.13:
    //   x = ((torch.arange(12) % 5) * 0.7 - 1.0 + torch.arange(12) * 0.05).reshape(2, 3, 2)
    //   g = torch.tensor([1.5, -0.5, 2.0]); be = torch.tensor([0.1, 0.2, -0.3])
    //   rm = torch.tensor([0.2, -0.1, 0.0]); rv = torch.tensor([1.0, 2.0, 0.5])
    //   F.batch_norm(x, rm, rv, g, be, training=True, momentum=0.1, eps=1e-5)   # updates rm, rv
    //   F.batch_norm(x, rm, rv, g, be, training=False, momentum=0.1, eps=1e-5)
    const Tensor x =
        from_vector({-1, -0.25f, 0.5f, 1.25f, 2, -0.75f, 0, 0.75f, 1.5f, 2.25f, -0.5f, 0.25f}, {2, 3, 2});
    const Tensor g = from_vector({1.5f, -0.5f, 2.0f}, {3}), be = from_vector({0.1f, 0.2f, -0.3f}, {3});
    Tensor rm = from_vector({0.2f, -0.1f, 0.0f}, {3}), rv = from_vector({1.0f, 2.0f, 0.5f}, {3});
    const Tensor yt =
        batch_norm(x, g, be, rm, rv,
                   {.use_batch_stats = true, .update_running_stats = true, .momentum = 0.1f, .eps = 1e-5f});
    REQUIRE(all_close(yt,
                      {-1.99997f, -0.199996f, 0.899991f, 0.299999f, 2.95492f, -2.15995f, 0.399996f, 2.19997f,
                       0.100001f, -0.499991f, -1.69497f, -0.3f},
                      2e-5f));
    // running = 0.9 running + 0.1 batch statistic, with the unbiased variance.
    REQUIRE(all_close(rm, {0.1675f, 0.0475f, 0.025f}, 1e-5f));
    REQUIRE(all_close(rv, {0.952083f, 1.85208f, 0.604167f}, 1e-5f));
    const Tensor ye = batch_norm(x, g, be, rm, rv, {.use_batch_stats = false});
    REQUIRE(all_close(ye,
                      {-1.69477f, -0.541812f, 0.0337517f, -0.241798f, 4.78177f, -2.29411f, -0.157493f,
                       0.995462f, -0.333648f, -0.609197f, -1.65085f, 0.278936f},
                      2e-5f));
    // Evaluation leaves the running statistics alone.
    REQUIRE(all_close(rm, {0.1675f, 0.0475f, 0.025f}, 1e-5f));
}

TEST_CASE("batch_norm running statistics follow the momentum for [N, C, H, W]", "[autograd][batch_norm]") {
    manual_seed(22);
    const Tensor x = randn({3, 2, 4, 5}, 1.0f, 2.0f);
    Tensor rm = zeros({2}), rv = ones({2});
    batch_norm(x, Tensor(), Tensor(), rm, rv,
               {.use_batch_stats = true, .update_running_stats = true, .momentum = 0.3f});
    const double m = 3 * 4 * 5;
    for (std::int64_t c = 0; c < 2; ++c) {
        double mean = 0.0, var = 0.0;
        channel_stats(x, c, mean, var);
        REQUIRE(rm.data()[c] == Approx(0.3 * mean).epsilon(1e-5));
        REQUIRE(rv.data()[c] == Approx(0.7 + 0.3 * var * m / (m - 1)).epsilon(1e-5));
    }
}

TEST_CASE("batch_norm evaluation uses the running statistics", "[autograd][batch_norm]") {
    const Tensor x = from_vector({1, 2, 3, 4, 5, 6}, {1, 2, 3});  // one sample is fine in eval
    const Tensor rm = from_vector({2, 5}, {2}), rv = from_vector({4, 0.25f}, {2});
    const Tensor gamma = from_vector({1, 2}, {2}), beta = from_vector({0, 1}, {2});
    BatchNormArgs args{.use_batch_stats = false, .momentum = 0.1f, .eps = 1e-12f};
    REQUIRE(all_close(batch_norm(x, Tensor(), Tensor(), rm, rv, args), {-0.5f, 0, 0.5f, -2, 0, 2}, 1e-5f));
    REQUIRE(all_close(batch_norm(x, gamma, beta, rm, rv, args), {-0.5f, 0, 0.5f, -3, 1, 5}, 1e-5f));
}

TEST_CASE("batch_norm in training with one value per channel is an error suggesting eval()",
          "[autograd][batch_norm]") {
    Tensor rm = zeros({3}), rv = ones({3});
    REQUIRE_THROWS_AS(batch_norm(ones({1, 3}), Tensor(), Tensor(), rm, rv), Error);
    REQUIRE_THROWS_WITH(batch_norm(ones({1, 3}), Tensor(), Tensor(), rm, rv), Catch::Contains("batch_norm") &&
                                                                                  Catch::Contains("eval()") &&
                                                                                  Catch::Contains("[1, 3]"));
    REQUIRE_THROWS_WITH(batch_norm(ones({1, 3, 1, 1}), Tensor(), Tensor(), rm, rv),
                        Catch::Contains("eval()"));
    // The failed call must not have touched the running statistics.
    REQUIRE(rm.to_vector() == std::vector<float>{0, 0, 0});
    REQUIRE(rv.to_vector() == std::vector<float>{1, 1, 1});
    // Two values per channel (N = 1, S = 2) are enough.
    REQUIRE_NOTHROW(batch_norm(from_vector({1, 2, 3, 4, 5, 6}, {1, 3, 2}), Tensor(), Tensor(), rm, rv));
}

TEST_CASE("batch_norm rejects parameters of the wrong size", "[autograd][batch_norm]") {
    REQUIRE_THROWS_WITH(batch_norm(ones({4, 3}), ones({2}), Tensor(), Tensor(), Tensor()),
                        Catch::Contains("batch_norm") && Catch::Contains("gamma") &&
                            Catch::Contains("[4, 3]") && Catch::Contains("[2]"));
    REQUIRE_THROWS_WITH(batch_norm(ones({4}), Tensor(), Tensor(), Tensor(), Tensor()),
                        Catch::Contains("batch_norm") && Catch::Contains("[4]"));
}

TEST_CASE("batch_norm statistics stay accurate for a large mean", "[autograd][batch_norm]") {
    manual_seed(23);
    const Tensor x = randn({64, 2}, 1000.0f, 0.5f);  // a naive E[x^2] - E[x]^2 loses most digits here
    const Tensor y = batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor());
    for (std::int64_t c = 0; c < 2; ++c) {
        double m = 0.0, v = 0.0;
        channel_stats(y, c, m, v);
        // The input itself is quantised to ~6e-5 (a float near 1000), 1e-4 of its std.
        REQUIRE(m == Approx(0.0).margin(1e-3));
        REQUIRE(v == Approx(1.0).epsilon(1e-3));
    }
}

TEST_CASE("batch_norm gradients need no running statistics and skip parameters without grad",
          "[autograd][batch_norm]") {
    Tensor x = from_vector({1, 2, 3, 4}, {4, 1});
    x.requires_grad_();
    const Tensor gamma = from_vector({2}, {1});  // a constant: no gradient wanted
    // sum of a normalised channel is constant, so its gradient vanishes.
    sum(batch_norm(x, gamma, Tensor(), Tensor(), Tensor())).backward();
    for (float g : x.grad().to_vector()) REQUIRE(g == Approx(0.0f).margin(1e-6));
    REQUIRE_FALSE(gamma.grad().defined());
}

TEST_CASE("batch_norm training gradients match PyTorch", "[autograd][batch_norm]") {
    // Produced with PyTorch 1.13, x, g, be as in the forward test above:
    //   gy = ((torch.arange(12) % 5) - 1.5).reshape(2, 3, 2) / 2
    //   y = F.batch_norm(x, None, None, g, be, training=True, eps=1e-5); y.backward(gy)
    //   x.grad, g.grad, be.grad
    Tensor x =
        from_vector({-1, -0.25f, 0.5f, 1.25f, 2, -0.75f, 0, 0.75f, 1.5f, 2.25f, -0.5f, 0.25f}, {2, 3, 2});
    Tensor g = from_vector({1.5f, -0.5f, 2.0f}, {3}), be = from_vector({0.1f, 0.2f, -0.3f}, {3});
    for (Tensor* t : {&x, &g, &be}) t->requires_grad_();
    const Tensor gy = from_vector(
        {-0.75f, -0.25f, 0.25f, 0.75f, 1.25f, -0.75f, -0.25f, 0.25f, 0.75f, 1.25f, -0.75f, -0.25f},
        {2, 3, 2});
    batch_norm(x, g, be, Tensor(), Tensor()).backward(gy);
    REQUIRE(nabla::test::all_close(x.grad(),
                                   {-0.0240297f, 0.167994f, 0.00800991f, -0.0559979f, 0.0942759f, 0.245049f,
                                    -0.167994f, 0.0240297f, 0.0559979f, -0.00800991f, -0.106831f, -0.232494f},
                                   1e-4f));
    REQUIRE(all_close(g.grad(), {1.39998f, 1.39998f, 3.25492f}, 1e-5f));
    REQUIRE(all_close(be.grad(), {-1.0f, 3.0f, -0.5f}, 1e-6f));
}

TEST_CASE("a bias before batch_norm changes nothing and gets a zero gradient", "[autograd][batch_norm]") {
    manual_seed(24);
    const Tensor x = randn({8, 5}), w = randn({4, 5});
    Tensor b = randn({4});
    b.requires_grad_();
    const Tensor with_bias = batch_norm(linear(x, w, b), Tensor(), Tensor(), Tensor(), Tensor());
    const Tensor without = batch_norm(linear(x, w), Tensor(), Tensor(), Tensor(), Tensor());
    REQUIRE(all_close(with_bias, without, 1e-4f));
    with_bias.backward(randn({8, 4}));
    for (float v : b.grad().to_vector()) REQUIRE(v == Approx(0.0f).margin(1e-5));
}

TEST_CASE("batch_norm in evaluation folds into the preceding linear layer", "[autograd][batch_norm]") {
    // W' = W * gamma / sqrt(var + eps) (per output row), b' = beta + (b - mean) * gamma / sqrt(var + eps)
    manual_seed(25);
    const Tensor x = randn({6, 3}), w = randn({2, 3}), b = randn({2});
    const Tensor gamma = from_vector({1.5f, -0.5f}, {2}), beta = from_vector({0.2f, 0.1f}, {2});
    const Tensor rm = from_vector({0.3f, -1.0f}, {2}), rv = from_vector({2.0f, 0.5f}, {2});
    const float eps = 1e-5f;
    Tensor wf = w.clone(), bf = empty({2});
    for (std::int64_t o = 0; o < 2; ++o) {
        const float k = gamma.data()[o] / std::sqrt(rv.data()[o] + eps);
        for (std::int64_t i = 0; i < 3; ++i) wf.at({o, i}) *= k;
        bf.data()[o] = beta.data()[o] + (b.data()[o] - rm.data()[o]) * k;
    }
    const Tensor bn =
        batch_norm(linear(x, w, b), gamma, beta, rm, rv, {.use_batch_stats = false, .eps = eps});
    REQUIRE(all_close(bn, linear(x, wf, bf), 1e-5f));
}

TEST_CASE("batch_norm does as its arguments say: batch statistics and the running update are separate",
          "[autograd][batch_norm]") {
    manual_seed(26);
    const Tensor x = randn({6, 3}, 1.0f, 2.0f);
    Tensor rm = from_vector({0.5f, -0.5f, 1.0f}, {3}), rv = from_vector({1.5f, 2.0f, 0.5f}, {3});
    const auto rm0 = rm.to_vector(), rv0 = rv.to_vector();

    SECTION("batch statistics without the update leave the running statistics alone") {
        const Tensor y = batch_norm(x, Tensor(), Tensor(), rm, rv, {.update_running_stats = false});
        CHECK(rm.to_vector() == rm0);
        CHECK(rv.to_vector() == rv0);
        CHECK(y.to_vector() == batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor()).to_vector());
    }
    SECTION("running statistics are used as given, and the update flag has nothing to fold in") {
        const Tensor y = batch_norm(x, Tensor(), Tensor(), rm, rv, {.use_batch_stats = false});
        CHECK(rm.to_vector() == rm0);
        CHECK(rv.to_vector() == rv0);
        CHECK(y.at({0, 1}) == Approx((x.at({0, 1}) + 0.5f) / std::sqrt(2.0f + 1e-5f)));
    }
    SECTION("without batch statistics the running statistics must be given") {
        REQUIRE_THROWS_WITH(batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), {.use_batch_stats = false}),
                            Catch::Contains("batch_norm") && Catch::Contains("use_batch_stats") &&
                                Catch::Contains("running_mean"));
    }
    SECTION("eps and momentum are checked") {
        REQUIRE_THROWS_WITH(batch_norm(x, Tensor(), Tensor(), rm, rv, {.eps = 0.0f}),
                            Catch::Contains("batch_norm") && Catch::Contains("eps must be positive"));
        REQUIRE_THROWS_WITH(
            batch_norm(x, Tensor(), Tensor(), rm, rv, {.momentum = 1.5f}),
            Catch::Contains("batch_norm") && Catch::Contains("momentum") && Catch::Contains("1.5"));
    }
}

TEST_CASE("a BatchNorm layer's errors are the op's, named after the layer", "[autograd][batch_norm]") {
    auto message = [](auto&& f) -> std::string {
        try {
            f();
        } catch (const Error& e) {
            return e.what();
        }
        return "";
    };
    const Tensor one = randn({1, 4});
    nn::BatchNorm1d bn({.num_features = 4});
    const std::string from_op =
        message([&] { (void)batch_norm(one, bn.weight(), bn.bias(), zeros({4}), ones({4})); });
    REQUIRE_FALSE(from_op.empty());
    CHECK(message([&] { (void)bn(one); }) == "BatchNorm1d(4): " + from_op);
    CHECK(bn.running_mean().to_vector() == std::vector<float>(4, 0.0f));
    CHECK(bn.num_batches_tracked().item() == 0.0f);

    CHECK_THROWS_WITH(nn::BatchNorm1d({.num_features = 4, .eps = -1.0f}),
                      Catch::Contains("BatchNorm1d") && Catch::Contains("eps must be positive"));
    // The expected layouts follow from the ranks each layer takes.
    CHECK_THROWS_WITH(bn(randn({2, 4, 3, 3})),
                      Catch::Contains("expected input [N, C] or [N, C, L], got [2, 4, 3, 3]"));
    nn::BatchNorm2d bn2({.num_features = 4});
    CHECK_THROWS_WITH(bn2(randn({2, 4})), Catch::Contains("expected input [N, C, H, W], got [2, 4]"));
    // The wrong one of the pair names the right one.
    CHECK_THROWS_WITH(bn(randn({2, 4, 3, 3})), Catch::EndsWith("(for images [N, C, H, W] use BatchNorm2d)"));
    CHECK_THROWS_WITH(bn2(randn({2, 4, 5})), Catch::EndsWith("use BatchNorm1d)"));
    CHECK_THROWS_WITH(bn2(randn({2, 4, 5, 5, 5})), !Catch::Contains("use BatchNorm"));
}
