#pragma once
// Elementwise loops split over nabla's OpenMP threads.
#include <cstdint>
#include <functional>

namespace nabla {

// Below this many elements a loop runs on the calling thread: waking the others costs
// more than they save.
// The same rule holds for every parallel loop in core/ (OpenMP `if` clauses test it too):
// a single image's forward pass must run on one thread, since a region that hands a few
// microseconds of work to a second thread waits, at its closing barrier, for that thread
// to be scheduled, which takes milliseconds when the other core is busy.
inline constexpr std::int64_t kParallelMinElements = std::int64_t{1} << 16;
// Products (M*N*K) below this run as one OpenBLAS call on the calling thread: about 8
// MFLOP, tens of microseconds on one core. The MNIST CNN's second convolution on one image
// (64 x 196 x 288) stays below it; the batch-64 MLP layers (64 x 256 x 256 and up) reach it.
inline constexpr std::int64_t kParallelMinGemmWork = std::int64_t{1} << 22;

// Calls fn(begin, end) on [0, n): once on the calling thread when n < min_elements, else
// once per OpenMP thread on contiguous ranges. Only for loops whose elements are
// independent; the loops inside fn stay plain loops, which GCC vectorises reliably.
void parallel_ranges(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn,
                     std::int64_t min_elements = kParallelMinElements);

}  // namespace nabla
