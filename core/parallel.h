#pragma once
// Elementwise loops split over nabla's OpenMP threads.
#include <cstdint>
#include <functional>

namespace nabla {

// Below this many elements a loop runs on the calling thread: waking the others costs
// more than they save.
inline constexpr std::int64_t kParallelMinElements = std::int64_t{1} << 16;

// Calls fn(begin, end) on [0, n): once on the calling thread when n < min_elements, else
// once per OpenMP thread on contiguous ranges. Only for loops whose elements are
// independent; the loops inside fn stay plain loops, which GCC vectorises reliably.
void parallel_ranges(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn,
                     std::int64_t min_elements = kParallelMinElements);

}  // namespace nabla
