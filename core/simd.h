#pragma once
// NABLA_HOT_LOOP marks a memory-bound kernel for a second copy compiled for AVX2 + FMA
// (x86-64-v3), chosen once at load time (GCC's target_clones). Release builds target
// x86-64-v2 so the library runs on any x86-64 CPU of the last decade; the copy gives the
// CPUs that have AVX2 (nearly all) twice the vector width and turns std::fma from a libm
// call into one instruction. The build uses -ffp-contract=off, so both copies round
// identically and results do not depend on which copy runs.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#define NABLA_HOT_LOOP __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define NABLA_HOT_LOOP
#endif
