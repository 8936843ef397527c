#pragma once
// Picking OpenBLAS's kernels on CPUs its build does not recognise.
//
// Debian 12's OpenBLAS 0.3.21 does not know recent CPUs (e.g. AMD Zen 4) and falls
// back to its generic "Prescott" kernels, 4-5x slower than the AVX-512 or AVX2 ones
// the CPU can run. OpenBLAS reads OPENBLAS_CORETYPE only while it loads, before main,
// so the fix is to set it and re-execute the program once.
#include <string>

namespace nabla {

// The kernel family this CPU can run ("SkylakeX", "Haswell"), or "" when OpenBLAS's
// own choice is already right. Decided from CPUID.
std::string preferred_blas_core();

// Call first thing in main. When OpenBLAS fell back to its generic kernels, the user
// has not set OPENBLAS_CORETYPE, and the CPU supports better ones, sets the variable
// and re-executes the program with the same arguments (once). Otherwise returns.
void use_fast_blas_kernels(int argc, char** argv);

// "OpenBLAS 0.3.21 ..., kernel Haswell (OPENBLAS_CORETYPE=Haswell), matrix products on
// nabla's avx512 kernel, 2 threads".
std::string blas_description();

}  // namespace nabla
