#include "core/block_cache.h"

#include <algorithm>
#include <new>
#include <vector>

namespace nabla {

namespace {

constexpr std::align_val_t kAlign{64};

void release(void* p) { ::operator delete[](p, kAlign); }

void release_all(const std::vector<void*>& blocks) {
    for (void* p : blocks) release(p);  // outside the lock: munmap can be slow
}

}  // namespace

BlockCache::~BlockCache() {
    for (const Block& b : lru_) release(b.p);
}

void* BlockCache::allocate(std::size_t bytes) {
    std::vector<void*> evicted;
    {
        std::lock_guard lock(mu_);
        live_bytes_ += bytes;
        peak_live_bytes_ = std::max(peak_live_bytes_, live_bytes_);
        auto it = by_size_.find(bytes);
        if (it != by_size_.end()) {
            void* p = it->second->p;
            lru_.erase(it->second);
            by_size_.erase(it);
            cached_bytes_ -= bytes;
            return p;
        }
        // A new block: make room for it first, so the footprint stays within the limit.
        while (!lru_.empty() && live_bytes_ + cached_bytes_ > limit_locked()) evicted.push_back(pop_oldest());
    }
    release_all(evicted);
    return ::operator new[](bytes, kAlign);
}

void BlockCache::free(void* p, std::size_t bytes) {
    std::vector<void*> evicted;
    {
        std::lock_guard lock(mu_);
        live_bytes_ -= bytes;
        if (live_bytes_ + bytes > limit_locked()) {
            evicted.push_back(p);
        } else {
            while (live_bytes_ + cached_bytes_ + bytes > limit_locked()) evicted.push_back(pop_oldest());
            by_size_.emplace(bytes, lru_.insert(lru_.end(), {bytes, p}));
            cached_bytes_ += bytes;
        }
    }
    release_all(evicted);
}

std::size_t BlockCache::live_bytes() const {
    std::lock_guard lock(mu_);
    return live_bytes_;
}

std::size_t BlockCache::cached_bytes() const {
    std::lock_guard lock(mu_);
    return cached_bytes_;
}

std::size_t BlockCache::limit() const {
    std::lock_guard lock(mu_);
    return limit_locked();
}

std::size_t BlockCache::limit_locked() const { return std::max(floor_, peaks_ * peak_live_bytes_); }

void* BlockCache::pop_oldest() {
    const Block old = lru_.front();
    auto range = by_size_.equal_range(old.bytes);
    for (auto it = range.first; it != range.second; ++it)
        if (it->second == lru_.begin()) {
            by_size_.erase(it);
            break;
        }
    lru_.pop_front();
    cached_bytes_ -= old.bytes;
    return old.p;
}

}  // namespace nabla
