#pragma once
// NABLA_HOT_LOOP marks a memory-bound kernel for copies compiled for AVX-512 (x86-64-v4)
// and for AVX2 + FMA (x86-64-v3), one of them chosen once at load time (GCC's
// target_clones). Release builds target x86-64-v2 so the library runs on any x86-64 CPU
// of the last decade; the copies give newer CPUs two or four times the vector width and
// turn std::fma from a libm call into one instruction (the AVX-512 copy took BatchNorm on
// cnn_bn from 2.2 to 1.6 ms per iteration on an AMD EPYC). The build uses
// -ffp-contract=off, so element-wise loops round identically in every copy; only the
// `omp simd` reductions (sums for BN's statistics, pooling's averages) add in an order set
// by the vector width, so their last bits can differ from one CPU kind to another.
//
// NABLA_HOT_LOOP_256 leaves out the AVX-512 copy, for loops GCC vectorises worse with it:
// the 2x2 max pool's stride-2 loads ran twice as slow.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#define NABLA_HOT_LOOP __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define NABLA_HOT_LOOP_256 __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define NABLA_HOT_LOOP
#define NABLA_HOT_LOOP_256
#endif

#include <algorithm>
#include <cstdint>

namespace nabla {

// Whether this CPU runs AVX-512F: the hand-written AVX-512 paths (columns, pooling) check
// it once and otherwise fall back to their generic loops.
inline bool cpu_has_avx512() {
#if defined(__x86_64__) && defined(__GNUC__)
    static const bool yes = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") != 0;
    }();
    return yes;
#else
    return false;
#endif
}

// Lanes j of a 16-lane chunk starting at o0 with lo <= o0 + j < hi, as an AVX-512 mask:
// the hand-written paths load and store row pieces with it, so masked-off lanes never
// touch memory outside a row.
inline std::uint16_t lane_mask16(std::int64_t o0, std::int64_t lo, std::int64_t hi) {
    const std::int64_t a = std::clamp<std::int64_t>(lo - o0, 0, 16),
                       b = std::clamp<std::int64_t>(hi - o0, 0, 16);
    if (b <= a) return 0;
    return static_cast<std::uint16_t>(((1u << b) - 1u) & ~((1u << a) - 1u));
}

}  // namespace nabla
