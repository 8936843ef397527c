#pragma once
// nabla's own sgemm, with AVX-512 and AVX2 + FMA micro-kernels; gemm() (core/blas.h)
// decides when it runs.
//
// Why not OpenBLAS everywhere: OpenBLAS runs the kernel its environment names, and on the
// project's AVX-512 machines OPENBLAS_CORETYPE=Haswell is set (older OpenBLAS builds
// misbehave there), so every product ran on 256-bit vectors at about half the machine's
// rate. The AVX-512 kernel here reaches 1.1 to 2x OpenBLAS's Haswell kernel on the MNIST
// models' products (docs/performance.md); OpenBLAS's own AVX-512 kernel, where it runs,
// is faster still, and then gemm() keeps it. Each output element is one fused
// multiply-add chain over k in order, so the AVX-512 and AVX2 kernels give the same bits,
// and a product split over threads gives the one-thread bits.
#include "core/blas.h"

#include <cstdint>

namespace nabla {

// Whether this CPU runs the kernel (avx512 or avx2; openblas is not one of these).
bool packed_kernel_supported(GemmKernel kernel);

// gemm()'s contract (row-major, C = alpha op(A) op(B) + beta C, beta 0 ignores what C held)
// on kernel avx512 or avx2, which the CPU must support. Runs on the calling thread inside
// a parallel region; outside one, a product of at least kParallelMinGemmWork
// multiply-adds is split over column panels.
void packed_gemm(GemmKernel kernel, bool trans_a, bool trans_b, std::int64_t M, std::int64_t N,
                 std::int64_t K, float alpha, const float* A, const float* B, float beta, float* C);

// The same product with op(A) packed beforehand by pack_lhs (into packed_lhs_size floats),
// for a left operand shared by many products: GemmLhs (core/blas.h) is the interface.
std::int64_t packed_lhs_size(GemmKernel kernel, std::int64_t M, std::int64_t K);
void pack_lhs(GemmKernel kernel, bool trans_a, std::int64_t M, std::int64_t K, const float* A, float* dst);
void packed_gemm_lhs(GemmKernel kernel, const float* packed_a, bool trans_b, std::int64_t M, std::int64_t N,
                     std::int64_t K, float alpha, const float* B, float beta, float* C);

}  // namespace nabla
