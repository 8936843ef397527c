#include "core/parallel.h"

#include <omp.h>

#include <algorithm>

namespace nabla {

void parallel_ranges(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn,
                     std::int64_t min_elements) {
    if (n < min_elements || omp_in_parallel()) return fn(0, n);
#pragma omp parallel
    {
        const std::int64_t t = omp_get_thread_num(), threads = omp_get_num_threads();
        const std::int64_t step = (n + threads - 1) / threads;
        const std::int64_t lo = std::min(n, t * step), hi = std::min(n, lo + step);
        fn(lo, hi);
    }
}

}  // namespace nabla
