// The storage block cache: exact-size reuse, and live plus cached bytes within the limit.
#include "core/block_cache.h"

#include <catch2/catch.hpp>

#include <vector>

using nabla::BlockCache;

TEST_CASE("BlockCache hands a freed block back at the same size, not at another", "[core][storage]") {
    BlockCache cache(1 << 20, 2);
    void* a = cache.allocate(4096);
    cache.free(a, 4096);
    CHECK(cache.cached_bytes() == 4096);
    void* b = cache.allocate(8192);
    CHECK(b != a);
    void* c = cache.allocate(4096);
    CHECK(c == a);
    CHECK(cache.cached_bytes() == 0);
    CHECK(cache.live_bytes() == 4096 + 8192);
    cache.free(b, 8192);
    cache.free(c, 4096);
}

TEST_CASE("BlockCache keeps live plus cached bytes within twice the peak, evicting the oldest",
          "[core][storage]") {
    constexpr std::size_t kA = 1000, kB = 1064, kC = 1032;
    BlockCache cache(0, 2);  // no floor: the limit is twice the most bytes live at once
    const auto allocate_four = [&](std::size_t bytes) {
        std::vector<void*> blocks;
        for (int i = 0; i < 4; ++i) {
            blocks.push_back(cache.allocate(bytes));
            CHECK(cache.live_bytes() + cache.cached_bytes() <= cache.limit());
        }
        return blocks;
    };
    const auto free_all = [&](const std::vector<void*>& blocks, std::size_t bytes) {
        for (void* p : blocks) cache.free(p, bytes);
        CHECK(cache.live_bytes() + cache.cached_bytes() <= cache.limit());
    };

    free_all(allocate_four(kA), kA);  // a training step's sizes
    CHECK(cache.cached_bytes() == 4 * kA);
    free_all(allocate_four(kB), kB);  // then an evaluation pass's: both sets stay cached
    CHECK(cache.limit() == 8 * kB);
    CHECK(cache.cached_bytes() == 4 * kA + 4 * kB);

    // A third set of sizes: the A blocks, freed first, make room; the B blocks stay.
    const std::vector<void*> c = allocate_four(kC);
    CHECK(cache.cached_bytes() == 4 * kB);
    void* b = cache.allocate(kB);  // a cache hit
    CHECK(cache.cached_bytes() == 3 * kB);
    void* a = cache.allocate(kA);  // evicted: a new block, the cache unchanged
    CHECK(cache.cached_bytes() == 3 * kB);

    cache.free(a, kA);
    cache.free(b, kB);
    free_all(c, kC);
    CHECK(cache.live_bytes() == 0);
}

TEST_CASE("BlockCache evicts before it allocates beyond the limit", "[core][storage]") {
    BlockCache cache(0, 1);  // the limit is the peak working set itself
    void* a = cache.allocate(1000);
    void* b = cache.allocate(1000);
    cache.free(a, 1000);
    CHECK(cache.cached_bytes() == 1000);
    void* c = cache.allocate(500);  // 1500 live + 1000 cached would exceed 2000
    CHECK(cache.cached_bytes() == 0);
    CHECK(cache.live_bytes() == 1500);
    cache.free(b, 1000);
    cache.free(c, 500);
    CHECK(cache.cached_bytes() == 1500);
}
