#include "core/storage.h"

#include "core/block_cache.h"
#include "core/error.h"

#include <new>

namespace nabla {

namespace {

constexpr std::align_val_t kAlign{64};

// Large buffers are kept for reuse instead of returned to the system: a training step
// frees and reallocates the same activation sizes every iteration, and fresh pages from
// the kernel cost a page fault each (a third of a small CNN's step on some machines).
// Blocks are reused only at their exact size. Live plus cached blocks stay within twice
// the largest working set of large blocks seen so far (at least kCacheFloor): a loop whose
// working set that is then runs without page faults, whatever its batch size, and a
// training run's footprint is its working set plus at most as much again. A limit on the
// cached blocks alone (once one working set, later two) either let a batch-1000 CNN
// inference pass fault in about 300 MB each time (its blocks are freed in a different
// order and sizes than they are asked for, so the oldest were evicted just before the
// next pass wanted them) or let stale sizes sit beside a full working set (8 MB more peak
// RSS in an MNIST CNN epoch). Beyond the limit, the least recently freed blocks go back to
// the system, so sizes a loop still uses stay and sizes it stopped using (an evaluation
// pass's, say) leave. Blocks from 16 KiB up are cached: a single
// image's activations (12 to 100 KiB in the MNIST CNN) went through malloc, which gave
// the top of its heap back to the system and faulted it in again on every forward
// (cnn_bn at batch 1 on OpenBLAS's SkylakeX kernel: median 325-436 us, 176-185 after).
constexpr std::size_t kCacheMinBytes = std::size_t{1} << 14;  // 16 KiB
constexpr std::size_t kCacheFloor = std::size_t{64} << 20;    // 64 MiB
constexpr std::size_t kCachePeaks = 2;

BlockCache& cache() {
    // Never destroyed: tensors may outlive statics.
    static BlockCache* c = new BlockCache(kCacheFloor, kCachePeaks);
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
        ::operator delete[](p, kAlign);
}

Storage::Storage(std::int64_t numel) : numel_(numel) {
    NABLA_CHECK(numel >= 0, "Storage", "negative size {}", numel);
    const std::size_t bytes = bytes_for(numel);
    void* p = bytes >= kCacheMinBytes ? cache().allocate(bytes) : ::operator new[](bytes, kAlign);
    data_ = std::unique_ptr<float[], Free>(static_cast<float*>(p), Free{bytes});
}

}  // namespace nabla
