#pragma once
// ThreadScratch: one block of floats per OpenMP thread, carved from a single Storage (so
// the memory comes from the block cache), for kernels whose threads each need a private
// buffer: a convolution's columns, a Winograd chunk's transformed tiles.
#include "core/storage.h"

#include <omp.h>

#include <cstdint>

namespace nabla {

class ThreadScratch {
public:
    explicit ThreadScratch(std::int64_t floats_each)
        : storage_(floats_each * omp_get_max_threads()), each_(floats_each) {}
    float* mine() { return storage_.data() + omp_get_thread_num() * each_; }

private:
    Storage storage_;
    std::int64_t each_;
};

}  // namespace nabla
