#include "core/storage.h"

#include "core/error.h"

#include <list>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace nabla {

namespace {

constexpr std::align_val_t kAlign{64};

// Large buffers are kept for reuse instead of returned to the system: a training step
// frees and reallocates the same activation sizes every iteration, and fresh pages from
// the kernel cost a page fault each (a third of a small CNN's step on some machines).
// Blocks are reused only at their exact size. When the cache would exceed kCacheLimit,
// the least recently freed blocks go back to the system, so sizes a loop still uses stay
// and sizes it stopped using (an evaluation pass's, say) leave: memory stays bounded by
// the working set plus that limit.
constexpr std::size_t kCacheMinBytes = std::size_t{1} << 18;   // 256 KiB
constexpr std::size_t kCacheLimit = std::size_t{128} << 20;    // 128 MiB

void release(void* p) { ::operator delete[](p, kAlign); }

struct BlockCache {
    struct Block {
        std::size_t bytes;
        void* p;
    };
    std::mutex mu;
    std::list<Block> lru;  // oldest first
    std::unordered_multimap<std::size_t, std::list<Block>::iterator> by_size;
    std::size_t cached_bytes = 0;

    void* take(std::size_t bytes) {
        std::lock_guard lock(mu);
        auto it = by_size.find(bytes);
        if (it == by_size.end()) return nullptr;
        void* p = it->second->p;
        lru.erase(it->second);
        by_size.erase(it);
        cached_bytes -= bytes;
        return p;
    }
    void give(void* p, std::size_t bytes) {
        if (bytes > kCacheLimit) return release(p);
        std::vector<void*> evicted;
        {
            std::lock_guard lock(mu);
            while (cached_bytes + bytes > kCacheLimit) {
                const Block old = lru.front();
                auto range = by_size.equal_range(old.bytes);
                for (auto it = range.first; it != range.second; ++it)
                    if (it->second == lru.begin()) {
                        by_size.erase(it);
                        break;
                    }
                lru.pop_front();
                cached_bytes -= old.bytes;
                evicted.push_back(old.p);
            }
            by_size.emplace(bytes, lru.insert(lru.end(), {bytes, p}));
            cached_bytes += bytes;
        }
        for (void* q : evicted) release(q);  // outside the lock: munmap can be slow
    }
    ~BlockCache() {
        for (const Block& b : lru) release(b.p);
    }
};

BlockCache& cache() {
    static BlockCache* c = new BlockCache();  // never destroyed: tensors may outlive statics
    return *c;
}

std::size_t bytes_for(std::int64_t numel) { return static_cast<std::size_t>(numel == 0 ? 1 : numel) * sizeof(float); }

}  // namespace

void Storage::Free::operator()(float* p) const {
    if (bytes >= kCacheMinBytes)
        cache().give(p, bytes);
    else
        release(p);
}

Storage::Storage(std::int64_t numel) : numel_(numel) {
    NABLA_CHECK(numel >= 0, "Storage", "negative size {}", numel);
    const std::size_t bytes = bytes_for(numel);
    void* p = bytes >= kCacheMinBytes ? cache().take(bytes) : nullptr;
    if (!p) p = ::operator new[](bytes, kAlign);
    data_ = std::unique_ptr<float[], Free>(static_cast<float*>(p), Free{bytes});
}

}  // namespace nabla
