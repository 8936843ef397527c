#include "core/storage.h"

#include "core/error.h"

#include <algorithm>
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
// Blocks are reused only at their exact size. The cache holds at most twice the largest
// working set of large blocks seen so far (at least kCacheFloor): a loop whose working
// set that is then runs without page faults, whatever its batch size. Once, the limit was
// the working set itself, and a batch-1000 CNN inference pass faulted in about 300 MB
// each time: its blocks are freed in a different order and sizes than they are asked for,
// so cached plus live blocks briefly exceed one working set and the oldest were evicted
// just before the next pass wanted them. Beyond the limit, the least recently freed
// blocks go back to the system, so sizes a loop still uses stay and sizes it stopped
// using (an evaluation pass's, say) leave. Blocks from 16 KiB up are cached: a single
// image's activations (12 to 100 KiB in the MNIST CNN) went through malloc, which gave
// the top of its heap back to the system and faulted it in again on every forward
// (cnn_bn at batch 1 on OpenBLAS's SkylakeX kernel: median 325-436 us, 176-185 after).
constexpr std::size_t kCacheMinBytes = std::size_t{1} << 14;  // 16 KiB
constexpr std::size_t kCacheFloor = std::size_t{64} << 20;    // 64 MiB
constexpr std::size_t kCachePeaks = 2;

void release(void* p) { ::operator delete[](p, kAlign); }

class BlockCache {
public:
    void* allocate(std::size_t bytes) {
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
        }
        return ::operator new[](bytes, kAlign);
    }

    void free(void* p, std::size_t bytes) {
        std::vector<void*> evicted;
        {
            std::lock_guard lock(mu_);
            live_bytes_ -= bytes;
            const std::size_t limit = std::max(kCacheFloor, kCachePeaks * peak_live_bytes_);
            if (bytes > limit) {
                evicted.push_back(p);
            } else {
                while (cached_bytes_ + bytes > limit) evicted.push_back(pop_oldest());
                by_size_.emplace(bytes, lru_.insert(lru_.end(), {bytes, p}));
                cached_bytes_ += bytes;
            }
        }
        for (void* q : evicted) release(q);  // outside the lock: munmap can be slow
    }

    ~BlockCache() {
        for (const Block& b : lru_) release(b.p);
    }

private:
    struct Block {
        std::size_t bytes;
        void* p;
    };

    void* pop_oldest() {  // the caller holds mu_
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

    std::mutex mu_;
    std::list<Block> lru_;  // oldest first
    std::unordered_multimap<std::size_t, std::list<Block>::iterator> by_size_;
    std::size_t cached_bytes_ = 0, live_bytes_ = 0, peak_live_bytes_ = 0;
};

BlockCache& cache() {
    static BlockCache* c = new BlockCache();  // never destroyed: tensors may outlive statics
    return *c;
}

std::size_t bytes_for(std::int64_t numel) {
    return static_cast<std::size_t>(numel == 0 ? 1 : numel) * sizeof(float);
}

}  // namespace

void Storage::Free::operator()(float* p) const {
    if (bytes >= kCacheMinBytes)
        cache().free(p, bytes);
    else
        release(p);
}

Storage::Storage(std::int64_t numel) : numel_(numel) {
    NABLA_CHECK(numel >= 0, "Storage", "negative size {}", numel);
    const std::size_t bytes = bytes_for(numel);
    void* p = bytes >= kCacheMinBytes ? cache().allocate(bytes) : ::operator new[](bytes, kAlign);
    data_ = std::unique_ptr<float[], Free>(static_cast<float*>(p), Free{bytes});
}

}  // namespace nabla
