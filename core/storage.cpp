#include "core/storage.h"

#include "core/error.h"

#include <map>
#include <mutex>
#include <new>

namespace nabla {

namespace {

constexpr std::align_val_t kAlign{64};

// Large buffers are kept for reuse instead of returned to the system: a training step
// frees and reallocates the same activation sizes every iteration, and fresh pages from
// the kernel cost a page fault each (several ms per step for a small CNN). Blocks are
// reused only at their exact size, and the cache holds at most kCacheLimit bytes, so
// memory stays bounded by the steady-state working set plus that limit.
constexpr std::size_t kCacheMinBytes = std::size_t{1} << 18;   // 256 KiB
constexpr std::size_t kCacheLimit = std::size_t{128} << 20;    // 128 MiB

struct BlockCache {
    std::mutex mu;
    std::multimap<std::size_t, void*> free_blocks;  // size in bytes -> block
    std::size_t cached_bytes = 0;

    void* take(std::size_t bytes) {
        std::lock_guard lock(mu);
        auto it = free_blocks.find(bytes);
        if (it == free_blocks.end()) return nullptr;
        void* p = it->second;
        free_blocks.erase(it);
        cached_bytes -= bytes;
        return p;
    }
    bool give(void* p, std::size_t bytes) {
        std::lock_guard lock(mu);
        if (cached_bytes + bytes > kCacheLimit) return false;
        free_blocks.emplace(bytes, p);
        cached_bytes += bytes;
        return true;
    }
    ~BlockCache() {
        for (auto& [bytes, p] : free_blocks) ::operator delete[](p, kAlign);
    }
};

BlockCache& cache() {
    static BlockCache* c = new BlockCache();  // never destroyed: tensors may outlive statics
    return *c;
}

std::size_t bytes_for(std::int64_t numel) { return static_cast<std::size_t>(numel == 0 ? 1 : numel) * sizeof(float); }

}  // namespace

void Storage::Free::operator()(float* p) const {
    if (bytes >= kCacheMinBytes && cache().give(p, bytes)) return;
    ::operator delete[](p, kAlign);
}

Storage::Storage(std::int64_t numel) : numel_(numel) {
    NABLA_CHECK(numel >= 0, "Storage", "negative size {}", numel);
    const std::size_t bytes = bytes_for(numel);
    void* p = bytes >= kCacheMinBytes ? cache().take(bytes) : nullptr;
    if (!p) p = ::operator new[](bytes, kAlign);
    data_ = std::unique_ptr<float[], Free>(static_cast<float*>(p), Free{bytes});
}

}  // namespace nabla
