// DataLoader's sharding for data-parallel training, checked in one process by building the
// loader of every rank.

#include <catch2/catch.hpp>
#include <nabla.h>

#include <algorithm>
#include <set>

using namespace nabla;

namespace {
// A dataset whose sample i has the one feature value i, so batches name their samples.
class Numbered : public data::Dataset {
public:
    explicit Numbered(std::int64_t n) : n_(n) {}
    std::int64_t size() const override { return n_; }
    data::Batch get_batch(std::span<const std::int64_t> idx) const override {
        data::Batch b{empty({std::int64_t(idx.size()), 1}), empty({std::int64_t(idx.size())})};
        for (size_t k = 0; k < idx.size(); ++k) b.x.data()[k] = b.y.data()[k] = float(idx[k]);
        return b;
    }

private:
    std::int64_t n_;
};

std::vector<std::vector<std::int64_t>> epoch_batches(data::DataLoader& loader) {
    std::vector<std::vector<std::int64_t>> out;
    for (auto& b : loader) {
        out.emplace_back();
        for (std::int64_t k = 0; k < b.y.numel(); ++k) out.back().push_back(std::int64_t(b.y.data()[k]));
    }
    return out;
}
}  // namespace

TEST_CASE("W shards of batch B hold, step by step, the samples of one loader of batch W * B") {
    const Numbered set(96);
    const int W = 3;
    data::DataLoader whole(set, {.batch_size = 4 * W, .shuffle = true, .seed = 9});
    const auto want = epoch_batches(whole);
    std::vector<std::vector<std::vector<std::int64_t>>> shards;
    for (int r = 0; r < W; ++r) {
        data::DataLoader shard(set,
                               {.batch_size = 4, .shuffle = true, .seed = 9, .rank = r, .world_size = W});
        REQUIRE(shard.size() == whole.size());
        shards.push_back(epoch_batches(shard));
    }
    for (size_t b = 0; b < want.size(); ++b) {
        std::multiset<std::int64_t> got;
        for (int r = 0; r < W; ++r) got.insert(shards[size_t(r)][b].begin(), shards[size_t(r)][b].end());
        REQUIRE(got == std::multiset<std::int64_t>(want[b].begin(), want[b].end()));
    }
}

TEST_CASE("uneven shards: every rank gets the same number of samples and batches, the remainder is dropped") {
    const Numbered set(23);  // 23 = 4 * 5 + 3 over 4 ranks: 3 samples sit out each epoch
    const int W = 4;
    std::set<std::int64_t> all;
    std::int64_t total = 0;
    for (int r = 0; r < W; ++r) {
        data::DataLoader shard(set,
                               {.batch_size = 2, .shuffle = true, .seed = 1, .rank = r, .world_size = W});
        REQUIRE(shard.shard_size() == 5);
        REQUIRE(shard.size() == 3);  // 2 + 2 + 1
        for (const auto& b : epoch_batches(shard)) {
            all.insert(b.begin(), b.end());
            total += std::int64_t(b.size());
        }
    }
    REQUIRE(total == 20);
    REQUIRE(all.size() == 20);  // no sample on two ranks
    data::DataLoader r0(set, {.batch_size = 2, .drop_last = true, .rank = 0, .world_size = W});
    REQUIRE(r0.size() == 2);
}

TEST_CASE("a rank outside the world, or a world larger than the data, is an error naming them") {
    const Numbered set(3);
    REQUIRE_THROWS_WITH(data::DataLoader(set, {.rank = 2, .world_size = 2}), Catch::Contains("rank 2"));
    REQUIRE_THROWS_WITH(data::DataLoader(set, {.world_size = 4}),
                        Catch::Contains("3 samples") && Catch::Contains("4 ranks"));
}
