#include "support/idx_files.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <algorithm>
#include <numeric>

using namespace nabla;
using Catch::Contains;

namespace {

// N samples whose x holds (id, -id) and y holds id, so batches tell which samples came.
data::TensorDataset numbered(std::int64_t n) {
    std::vector<float> x, y;
    for (std::int64_t i = 0; i < n; ++i) {
        x.push_back(static_cast<float>(i));
        x.push_back(static_cast<float>(-i));
        y.push_back(static_cast<float>(i));
    }
    return data::TensorDataset(from_vector(x, {n, 2}), from_vector(y, {n}));
}

// One epoch: the ids in visiting order, the size of every batch, and whether every
// batch kept each x row with its y.
struct Epoch {
    std::vector<std::int64_t> ids;
    std::vector<std::int64_t> sizes;
    bool paired = true;
};

Epoch run_epoch(data::DataLoader& loader) {
    Epoch e;
    for (auto& [x, y] : loader) {
        e.paired = e.paired && x.size(0) == y.size(0);
        e.sizes.push_back(y.size(0));
        for (std::int64_t i = 0; i < y.size(0); ++i) {
            e.paired = e.paired && i < x.size(0) && x.at({i, 0}) == y.at({i});
            e.ids.push_back(static_cast<std::int64_t>(y.at({i})));
        }
    }
    return e;
}

std::vector<std::int64_t> sorted(std::vector<std::int64_t> v) {
    std::sort(v.begin(), v.end());
    return v;
}

std::vector<std::int64_t> iota_ids(std::int64_t n) {
    std::vector<std::int64_t> v(static_cast<size_t>(n));
    std::iota(v.begin(), v.end(), std::int64_t{0});
    return v;
}

}  // namespace

TEST_CASE("DataLoader visits every sample once per epoch and keeps the last partial batch",
          "[data][loader]") {
    const auto ds = numbered(10);
    data::DataLoader loader(ds, {.batch_size = 4, .shuffle = true, .seed = 3});
    CHECK(loader.size() == 3);
    for (int epoch = 0; epoch < 3; ++epoch) {
        const Epoch e = run_epoch(loader);
        CHECK(e.paired);
        CHECK(e.sizes == std::vector<std::int64_t>{4, 4, 2});
        CHECK(sorted(e.ids) == iota_ids(10));
    }
}

TEST_CASE("DataLoader with drop_last yields only full batches of distinct samples", "[data][loader]") {
    const auto ds = numbered(10);
    data::DataLoader loader(ds, {.batch_size = 4, .shuffle = true, .drop_last = true});
    CHECK(loader.size() == 2);
    std::vector<std::int64_t> seen;
    for (int epoch = 0; epoch < 5; ++epoch) {
        const Epoch e = run_epoch(loader);
        CHECK(e.paired);
        CHECK(e.sizes == std::vector<std::int64_t>{4, 4});
        const auto ids = sorted(e.ids);
        CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
        seen.insert(seen.end(), ids.begin(), ids.end());
    }
    // Shuffling moves the dropped samples around, so over epochs every sample shows up.
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    CHECK(seen == iota_ids(10));

    data::DataLoader exact(ds, {.batch_size = 5, .drop_last = true});
    CHECK(exact.size() == 2);
    CHECK(run_epoch(exact).ids == iota_ids(10));
}

TEST_CASE("DataLoader without shuffle keeps the dataset order", "[data][loader]") {
    const auto ds = numbered(7);
    data::DataLoader loader(ds, {.batch_size = 3});
    const Epoch e = run_epoch(loader);
    CHECK(e.paired);
    CHECK(e.ids == iota_ids(7));
    CHECK(e.sizes == std::vector<std::int64_t>{3, 3, 1});
    CHECK(run_epoch(loader).ids == iota_ids(7));
}

TEST_CASE("DataLoader order depends on seed and epoch only", "[data][loader]") {
    const auto ds = numbered(50);
    data::DataLoader a(ds, {.batch_size = 8, .shuffle = true, .seed = 42});
    data::DataLoader b(ds, {.batch_size = 8, .shuffle = true, .seed = 42});
    data::DataLoader other(ds, {.batch_size = 8, .shuffle = true, .seed = 43});

    manual_seed(1);
    const Epoch a0 = run_epoch(a);
    const Epoch a1 = run_epoch(a);
    manual_seed(2);  // the global generator plays no part
    global_generator()();
    const Epoch b0 = run_epoch(b);
    const Epoch b1 = run_epoch(b);
    CHECK(a0.ids == b0.ids);
    CHECK(a1.ids == b1.ids);
    CHECK(a0.ids != a1.ids);
    CHECK(a0.ids != iota_ids(50));
    CHECK(run_epoch(other).ids != a0.ids);

    // Nor does the loader draw from it.
    manual_seed(5);
    const std::uint64_t expected = global_generator()();
    manual_seed(5);
    run_epoch(a);
    CHECK(global_generator()() == expected);

    // Epochs can be replayed, e.g. to resume a run.
    CHECK(a.next_epoch() == 3);
    a.set_epoch(1);
    CHECK(run_epoch(a).ids == a1.ids);
    CHECK(a.epoch_order(0) == std::vector<std::int64_t>(a0.ids.begin(), a0.ids.end()));
}

TEST_CASE("DataLoader shuffle is pinned across platforms", "[data][loader]") {
    // The permutation uses mt19937_64 and its own bounded draw, so these numbers hold on
    // every standard library; a change here changes every seeded run.
    const auto ds = numbered(10);
    data::DataLoader loader(ds, {.batch_size = 10, .shuffle = true, .seed = 0});
    CHECK(loader.epoch_order(0) == std::vector<std::int64_t>{6, 1, 2, 4, 7, 5, 3, 0, 9, 8});
    CHECK(loader.epoch_order(1) == std::vector<std::int64_t>{5, 0, 8, 7, 3, 1, 9, 6, 4, 2});
}

TEST_CASE("DataLoader limit uses only the first samples", "[data][loader]") {
    const auto ds = numbered(20);
    data::DataLoader loader(ds, {.batch_size = 4, .shuffle = true, .limit = 6});
    CHECK(loader.num_samples() == 6);
    CHECK(loader.size() == 2);
    const Epoch e = run_epoch(loader);
    CHECK(e.paired);
    CHECK(sorted(e.ids) == iota_ids(6));
    CHECK(e.sizes == std::vector<std::int64_t>{4, 2});
    CHECK(data::DataLoader(ds, {.limit = 100}).num_samples() == 20);
}

TEST_CASE("DataLoader refuses bad options with clear messages", "[data][loader]") {
    const auto ds = numbered(10);
    CHECK_THROWS_WITH(data::DataLoader(ds, {.batch_size = 0}),
                      Contains("DataLoader: batch_size must be positive, got 0"));
    CHECK_THROWS_WITH(data::DataLoader(ds, {.batch_size = -3}), Contains("got -3"));
    CHECK_THROWS_WITH(data::DataLoader(ds, {.limit = -1}), Contains("limit must be >= 0"));
    CHECK_THROWS_WITH(data::DataLoader(ds, {.batch_size = 64, .drop_last = true}),
                      Contains("drop_last with batch_size 64 and only 10 samples leaves no batch"));
    data::DataLoader loader(ds);
    CHECK_THROWS_WITH(loader.set_epoch(-1), Contains("epoch must be >= 0"));
}

TEST_CASE("DataLoader serves MNIST batches shaped [B, 1, rows, cols]", "[data][loader][mnist]") {
    test::TempDir dir;
    test::Bytes pixels(7 * 4 * 5);
    std::iota(pixels.begin(), pixels.end(), std::uint8_t{0});
    test::write_file(dir / "train-images-idx3-ubyte", test::idx_images(7, 4, 5, pixels));
    test::write_file(dir / "train-labels-idx1-ubyte", test::idx_labels({0, 1, 2, 3, 4, 5, 6}));
    data::MNIST mnist(dir.path(), data::Split::train, {.mean = 0.0f, .std = 1.0f});
    data::DataLoader loader(mnist, {.batch_size = 3, .shuffle = true, .seed = 9});
    std::vector<std::int64_t> ids;
    for (const auto& [x, y] : loader) {
        CHECK(x.shape() == Shape{y.size(0), 1, 4, 5});
        for (std::int64_t i = 0; i < y.size(0); ++i) {
            const auto id = static_cast<std::int64_t>(y.at({i}));
            CHECK(x.at({i, 0, 0, 0}) == Approx(static_cast<float>(id * 20) / 255.0f));
            ids.push_back(id);
        }
    }
    CHECK(sorted(ids) == iota_ids(7));
}
