// SyncBatchNorm on W ranks, each holding its share of a batch, against BatchNorm on the
// whole batch in one process (computed on every rank from the same seeded inputs).
#include "dist/slices.h"
#include "support/compare.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;

namespace {

// Sum over ranks of a per-rank tensor (dgamma and dbeta stay local in SyncBatchNorm).
Tensor summed(Tensor t) {
    Tensor c = t.clone();
    dist::all_reduce(c);
    return c;
}

void check_against_whole_batch(const Shape& whole, nn::BatchNormOptions options) {
    manual_seed(7);
    const std::int64_t C = whole[1];
    const Tensor x = randn(whole, 0.5f, 2.0f);  // mean and scale away from BN's fixed point
    const Tensor g = randn(whole);              // upstream gradient
    const Tensor gamma0 = rand({C}, 0.5f, 1.5f), beta0 = randn({C});
    auto make = [&](nn::BatchNorm& layer) {
        std::copy_n(gamma0.data(), C, layer.weight().data());
        std::copy_n(beta0.data(), C, layer.bias().data());
    };

    // Reference: one process, the whole batch.
    std::unique_ptr<nn::BatchNorm> ref;
    if (whole.ndim() == 4)
        ref = std::make_unique<nn::BatchNorm2d>(options);
    else
        ref = std::make_unique<nn::BatchNorm1d>(options);
    make(*ref);
    Tensor xr = x.clone().requires_grad_();
    Tensor yr = (*ref)(xr);
    yr.backward(g);

    // Synchronised: this rank's rows.
    dist::SyncBatchNorm sync(options);
    make(sync);
    Tensor xs = test::my_rows(x).requires_grad_();
    Tensor ys = sync(xs);
    ys.backward(test::my_rows(g));

    INFO("rank " << dist::rank() << " of " << dist::world_size() << ", input " << whole);
    REQUIRE(test::all_close(ys, test::my_rows(yr.detach())));
    REQUIRE(test::all_close(xs.grad(), test::my_rows(xr.grad())));
    REQUIRE(test::all_close(summed(sync.weight().grad()), ref->weight().grad()));
    REQUIRE(test::all_close(summed(sync.bias().grad()), ref->bias().grad()));
    REQUIRE(test::all_close(sync.running_mean(), ref->running_mean()));
    REQUIRE(test::all_close(sync.running_var(), ref->running_var()));
    REQUIRE(sync.num_batches_tracked().item() == ref->num_batches_tracked().item());

    // Eval mode: running statistics, no communication, the same as BatchNorm.
    sync.eval();
    ref->eval();
    NoGradGuard no_grad;
    REQUIRE(test::all_close(sync(test::my_rows(x)), test::my_rows((*ref)(x))));
}

}  // namespace

TEST_CASE("SyncBatchNorm on each rank's half of a batch equals BatchNorm2d on the whole batch", "[sync_bn]") {
    check_against_whole_batch({8, 3, 5, 4}, {.num_features = 3});
}

TEST_CASE("SyncBatchNorm on each rank's half of a batch equals BatchNorm1d on the whole batch", "[sync_bn]") {
    check_against_whole_batch({16, 6}, {.num_features = 6, .momentum = 0.3f});
    check_against_whole_batch({6, 4, 5}, {.num_features = 4, .momentum = std::nullopt});
}

TEST_CASE("convert_sync_batchnorm makes every BatchNorm of a model synchronise, in place", "[sync_bn]") {
    manual_seed(3);
    nn::Sequential model(nn::Linear({.in = 5, .out = 4, .bias = false}),
                         nn::BatchNorm1d({.num_features = 4}));
    const Tensor weight_before = model.parameters()[1];
    REQUIRE(dist::convert_sync_batchnorm(model) == 1);
    REQUIRE(model.parameters()[1].same(weight_before));  // the optimizer's tensors stay
    REQUIRE_THAT(model.repr(), Catch::Contains("SyncBatchNorm(4"));

    // Its output on this rank's rows is BatchNorm's on the whole batch.
    const Tensor x = randn({8, 4});
    nn::BatchNorm1d plain({.num_features = 4});
    dist::SyncBatchNorm sync({.num_features = 4});
    REQUIRE(test::all_close(sync(test::my_rows(x)), test::my_rows(plain(x))));
}

TEST_CASE("a rank with an empty batch still joins SyncBatchNorm's collectives", "[sync_bn]") {
    manual_seed(5);
    const Tensor x = randn({6, 3, 2, 2});
    const Tensor g = randn({6, 3, 2, 2});
    // Rank 0 holds every sample, the other ranks none.
    const bool holder = dist::rank() == 0;
    const Tensor mine = holder ? x.clone() : test::rows(x, 0, 0);
    const Tensor my_g = holder ? g.clone() : test::rows(g, 0, 0);
    nn::BatchNorm2d plain({.num_features = 3});
    Tensor xr = x.clone().requires_grad_();
    const Tensor yr = plain(xr);
    yr.backward(g);
    dist::SyncBatchNorm sync({.num_features = 3});
    Tensor xs = mine.clone().requires_grad_();
    Tensor ys = sync(xs);
    ys.backward(my_g);
    REQUIRE(ys.shape() == mine.shape());
    if (holder) {
        REQUIRE(test::all_close(ys, yr.detach()));
        REQUIRE(test::all_close(xs.grad(), xr.grad()));
    }
    REQUIRE(test::all_close(sync.running_mean(), plain.running_mean()));
}

TEST_CASE("in a world of one SyncBatchNorm is BatchNorm bit for bit", "[sync_bn][one]") {
    if (dist::world_size() != 1) {
        WARN("SKIPPED: a world-of-one case (run without mpirun)");
        return;
    }
    manual_seed(11);
    const Tensor x = randn({5, 3, 4, 4}), g = randn({5, 3, 4, 4});
    nn::BatchNorm2d plain({.num_features = 3});
    dist::SyncBatchNorm sync({.num_features = 3});
    Tensor xp = x.clone().requires_grad_(), xs = x.clone().requires_grad_();
    Tensor yp = plain(xp), ys = sync(xs);
    yp.backward(g);
    ys.backward(g);
    REQUIRE(test::all_close(ys.to_vector(), yp.to_vector(), 0.0f));
    REQUIRE(test::all_close(xs.grad().to_vector(), xp.grad().to_vector(), 0.0f));
    REQUIRE(test::all_close(sync.running_var().to_vector(), plain.running_var().to_vector(), 0.0f));
}
