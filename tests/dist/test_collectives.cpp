#include "dist/slices.h"
#include "support/compare.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;

namespace {
// A tensor of `n` values that differ by rank: value k on rank r is r * 1000 + k.
Tensor rank_values(const Shape& s) {
    Tensor t = arange(0.0f, float(s.numel()));
    Tensor out = from_vector(t.to_vector(), s);
    for (std::int64_t k = 0; k < out.numel(); ++k) out.data()[k] += float(dist::rank()) * 1000.0f;
    return out;
}
}  // namespace

TEST_CASE("all_reduce sums, averages and takes the max over ranks, on tensors of any size", "[collectives]") {
    const int W = dist::world_size();
    // Differently sized tensors call after call: each call carries its own count.
    for (const Shape& s : {Shape{1}, Shape{3, 5}, Shape{1000}, Shape{2, 3, 4, 5}}) {
        Tensor sum = rank_values(s), mean = rank_values(s), max = rank_values(s);
        dist::all_reduce(sum, dist::ReduceOp::sum);
        dist::all_reduce(mean, dist::ReduceOp::mean);
        dist::all_reduce(max, dist::ReduceOp::max);
        // sum over r of (1000 r + k) = W k + 1000 W (W - 1) / 2
        std::vector<float> want_sum, want_mean, want_max;
        for (std::int64_t k = 0; k < s.numel(); ++k) {
            want_sum.push_back(float(W * k) + 1000.0f * float(W * (W - 1) / 2));
            want_mean.push_back(want_sum.back() / float(W));
            want_max.push_back(float(k) + 1000.0f * float(W - 1));
        }
        CHECK(sum.shape() == s);
        REQUIRE(test::all_close(sum, want_sum));
        REQUIRE(test::all_close(mean, want_mean));
        REQUIRE(test::all_close(max, want_max));
    }
}

TEST_CASE("broadcast copies the root's tensor to every rank", "[collectives]") {
    const int root = dist::world_size() - 1;
    Tensor t = rank_values({4, 7});
    dist::broadcast(t, root);
    Tensor want = arange(0.0f, 28.0f);
    for (std::int64_t k = 0; k < 28; ++k) want.data()[k] += 1000.0f * float(root);
    REQUIRE(test::all_close(t.to_vector(), want.to_vector(), 0.0f));
    Tensor bad = ones({2});
    REQUIRE_THROWS_WITH(dist::broadcast(bad, dist::world_size()), Catch::Contains("root"));
}

TEST_CASE("all_gather stacks every rank's tensor in rank order", "[collectives]") {
    const Tensor t = rank_values({2, 3});
    const Tensor all = dist::all_gather(t);
    REQUIRE(all.shape() == Shape{dist::world_size(), 2, 3});
    for (int r = 0; r < dist::world_size(); ++r)
        for (std::int64_t k = 0; k < 6; ++k) REQUIRE(all.data()[r * 6 + k] == float(r * 1000 + k));
    dist::barrier();
}

TEST_CASE("a tensor whose shape differs between ranks is an error on every rank, naming the shapes",
          "[collectives]") {
    if (dist::world_size() != 2) {
        WARN("SKIPPED: needs 2 ranks (run under mpirun -np 2)");
        return;
    }
    // Rank r passes r + 2 values: summing them would read past the shorter buffer.
    Tensor t = ones({dist::rank() + 2});
    REQUIRE_THROWS_WITH(dist::all_reduce(t),
                        Catch::Contains("all_reduce") && Catch::Contains("rank 0: [2], rank 1: [3]") &&
                            Catch::Contains(fmt::format("this is rank {}", dist::rank())));
    REQUIRE_THROWS_WITH(dist::all_gather(t), Catch::Contains("all_gather") && Catch::Contains("rank 1: [3]"));
    REQUIRE_THROWS_WITH(dist::broadcast(t), Catch::Contains("broadcast"));
    // The ranks are still in step afterwards: a matching call works.
    Tensor same = ones({3});
    dist::all_reduce(same);
    REQUIRE(test::all_close(same, {2.0f, 2.0f, 2.0f}));
}
