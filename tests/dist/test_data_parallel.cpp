// DataParallel on W ranks, each with its share of every batch, against one process
// training the same model on the whole batches (computed on every rank as the reference).
#include "dist/slices.h"
#include "support/compare.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;

namespace {

std::unique_ptr<nn::Sequential> make_model(std::uint64_t seed) {
    manual_seed(seed);
    return std::make_unique<nn::Sequential>(nn::Linear({.in = 6, .out = 8, .bias = false}),
                                            nn::BatchNorm1d({.num_features = 8}), nn::ReLU(),
                                            nn::Linear({.in = 8, .out = 3}));
}

// Trains `model` for `steps` SGD steps on batches cut from (x, y) by `share`.
template <class Share>
void train(nn::Module& model, const Tensor& x, const Tensor& y, int steps, Share share) {
    optim::SGD opt(model.parameters(), {.lr = 0.05f});
    const std::int64_t B = 16;
    for (int s = 0; s < steps; ++s) {
        const Tensor xb = test::rows(x, s * B, (s + 1) * B), yb = test::rows(y, s * B, (s + 1) * B);
        opt.zero_grad();
        nn::cross_entropy(model(share(xb)), share(yb)).backward();
        opt.step();
    }
}

// Every parameter and buffer of `a` within `tol` of `b`'s.
void require_same_state(const nn::Module& a, const nn::Module& b, float tol) {
    const auto pa = a.named_parameters(), pb = b.named_parameters();
    for (size_t i = 0; i < pa.size(); ++i) {
        INFO("parameter " << pa[i].first << " on rank " << dist::rank());
        REQUIRE(test::all_close(pa[i].second, pb[i].second, tol));
    }
    const auto ba = a.named_buffers(), bb = b.named_buffers();
    for (size_t i = 0; i < ba.size(); ++i) {
        INFO("buffer " << ba[i].first << " on rank " << dist::rank());
        REQUIRE(test::all_close(ba[i].second, bb[i].second, tol));
    }
}

Tensor labels(std::int64_t n) {
    Tensor y = empty({n});
    for (std::int64_t i = 0; i < n; ++i) y.data()[i] = float((i * 7) % 3);
    return y;
}

}  // namespace

TEST_CASE("DataParallel starts every rank from rank 0's parameters and buffers", "[ddp]") {
    auto model = make_model(100 + std::uint64_t(dist::rank()));  // different on every rank
    auto reference = make_model(100);                            // rank 0's
    dist::DataParallel ddp(*model);
    require_same_state(*model, *reference, 0.0f);
}

TEST_CASE("DataParallel with SyncBatchNorm on shares of each batch trains as one process on whole batches",
          "[ddp]") {
    manual_seed(1);
    const Tensor x = randn({64, 6}), y = labels(64);
    auto whole = make_model(2);
    train(*whole, x, y, 4, [](const Tensor& t) { return t; });
    for (const bool overlap : {true, false})
        for (const std::int64_t bucket_bytes : {std::int64_t(1) << 20, std::int64_t(64)}) {
            auto model = make_model(2);
            dist::convert_sync_batchnorm(*model);
            dist::DataParallel ddp(*model, {.bucket_bytes = bucket_bytes, .overlap = overlap});
            CHECK(ddp.bucket_count() == (dist::world_size() == 1 ? 0 : bucket_bytes == 64 ? 4 : 1));
            train(*model, x, y, 4, [](const Tensor& t) { return test::my_rows(t); });
            INFO("overlap " << overlap << ", bucket_bytes " << bucket_bytes);
            require_same_state(*model, *whole, 1e-5f);
            if (dist::world_size() > 1) {
                REQUIRE(ddp.stats().syncs == 4);
                REQUIRE(ddp.stats().bytes == 4 * 4 * std::int64_t(model->parameter_count()));
            }
        }
}

TEST_CASE("DataParallel with per-rank BatchNorm differs from one process: each rank normalises its own share",
          "[ddp]") {
    if (dist::world_size() == 1) {
        WARN("SKIPPED: needs more than one rank");
        return;
    }
    manual_seed(1);
    const Tensor x = randn({64, 6}), y = labels(64);
    auto whole = make_model(2);
    train(*whole, x, y, 4, [](const Tensor& t) { return t; });
    auto model = make_model(2);
    dist::DataParallel ddp(*model);
    train(*model, x, y, 4, [](const Tensor& t) { return test::my_rows(t); });
    // The first Linear's weight: BN's statistics of a share of 8 are not those of 16.
    REQUIRE(test::max_abs_diff(model->parameters()[0], whole->parameters()[0]) > 1e-4f);
}

namespace {
// Two parameters; `use_b` decides whether this rank's forward touches b.
class TwoBranches : public nn::Module {
public:
    explicit TwoBranches(bool use_b) : use_b_(use_b) {
        a_ = register_parameter("a", full({3}, 2.0f));
        b_ = register_parameter("b", full({3}, 3.0f));
    }
    Tensor forward(const Tensor& x) override { return use_b_ ? x * a_ + x * b_ : x * a_; }
    std::string name() const override { return "TwoBranches"; }

private:
    bool use_b_;
    Tensor a_, b_;
};
}  // namespace

TEST_CASE("a parameter without a gradient on some rank contributes zeros, never a hang", "[ddp]") {
    // Only rank 0 uses b: its averaged gradient is rank 0's divided by the world size.
    TwoBranches model(dist::rank() == 0);
    dist::DataParallel ddp(model);
    const Tensor x = from_vector({1.0f, 2.0f, 3.0f}, {3});
    model(x).sum().backward();
    const float W = float(dist::world_size());
    REQUIRE(test::all_close(model.parameters()[0].grad(), {1.0f, 2.0f, 3.0f}));
    REQUIRE(test::all_close(model.parameters()[1].grad(), {1.0f / W, 2.0f / W, 3.0f / W}));
}
