#pragma once
// BlockCache: freed buffers kept for reuse at their exact size, within a footprint limit.
// Storage (core/storage.cpp) sends its large blocks through one process-wide cache; the
// class is separate so its limit can be tested with small numbers.
#include <cstddef>
#include <list>
#include <mutex>
#include <unordered_map>

namespace nabla {

class BlockCache {
public:
    // Live plus cached bytes stay within max(floor, peaks x the most bytes ever live at once).
    BlockCache(std::size_t floor_bytes, std::size_t peaks) : floor_(floor_bytes), peaks_(peaks) {}
    BlockCache(const BlockCache&) = delete;
    BlockCache& operator=(const BlockCache&) = delete;
    ~BlockCache();

    void* allocate(std::size_t bytes);  // 64-byte aligned; a cached block of this size if any
    void free(void* p, std::size_t bytes);

    std::size_t live_bytes() const;
    std::size_t cached_bytes() const;
    std::size_t limit() const;

private:
    struct Block {
        std::size_t bytes;
        void* p;
    };
    std::size_t limit_locked() const;
    void* pop_oldest();  // the caller holds mu_

    const std::size_t floor_, peaks_;
    mutable std::mutex mu_;
    std::list<Block> lru_;  // oldest first
    std::unordered_multimap<std::size_t, std::list<Block>::iterator> by_size_;
    std::size_t cached_bytes_ = 0, live_bytes_ = 0, peak_live_bytes_ = 0;
};

}  // namespace nabla
