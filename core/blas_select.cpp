#include "core/blas_select.h"

#include "core/blas.h"

#include <cblas.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>

namespace nabla {

namespace {
constexpr const char* kGuard = "NABLA_BLAS_REEXEC";  // set in the child: never loop
}

std::string preferred_blas_core() {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    const std::string current = blas_core_name();
    // Only override OpenBLAS's generic fallback; a recognised CPU keeps its own choice.
    if (current != "Prescott" && current != "prescott") return "";
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512cd"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
    return "";
}

void use_fast_blas_kernels(int argc, char** argv) {
    (void)argc;
    if (std::getenv("OPENBLAS_CORETYPE") || std::getenv(kGuard)) return;
    const std::string core = preferred_blas_core();
    if (core.empty()) return;
    setenv("OPENBLAS_CORETYPE", core.c_str(), 1);
    setenv(kGuard, "1", 1);
    execv("/proc/self/exe", argv);
    // exec failed (no /proc): carry on with the generic kernels.
    unsetenv("OPENBLAS_CORETYPE");
}

std::string blas_description() {
    const char* env = std::getenv("OPENBLAS_CORETYPE");
    return fmt::format("{}, kernel {} (OPENBLAS_CORETYPE={}), matrix products on {}, {} threads",
                       openblas_get_config(), blas_core_name(), env ? env : "unset",
                       default_gemm_kernel() == GemmKernel::openblas
                           ? "OpenBLAS"
                           : fmt::format("nabla's {} kernel", gemm_kernel_name(default_gemm_kernel())),
                       get_num_threads());
}

}  // namespace nabla
