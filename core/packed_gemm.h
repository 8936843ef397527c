#pragma once
// nabla's own sgemm for the convolutions' products, with AVX-512 and AVX2 + FMA
// micro-kernels chosen at run time.
//
// Why not OpenBLAS there: a convolution multiplies small per-image matrices (the MNIST
// CNN's second layer is 64 x 196 x 288), and OpenBLAS runs the kernel its environment
// names. On the project's AVX-512 machines OPENBLAS_CORETYPE=Haswell is set (older
// OpenBLAS builds misbehave there), so every product ran on 256-bit vectors at about half
// the machine's rate. These kernels ask the CPU instead, and each output element is one
// fused multiply-add chain over k in order, so the AVX-512 and AVX2 kernels give the same
// bits. Products outside the convolutions keep going through gemm() (core/blas.h).
#include <cstdint>
#include <string>

namespace nabla {

enum class GemmKernel { avx512, avx2, openblas };

// Same contract as gemm() in core/blas.h (row-major, C = alpha op(A) op(B) + beta C, beta 0
// ignores what C held). Runs on the calling thread inside a parallel region; outside one, a
// product of at least kParallelMinGemmWork multiply-adds is split over column panels.
void packed_gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                 const float* A, const float* B, float beta, float* C);

// The same with a chosen kernel; throws naming the kernel when this CPU cannot run it.
void packed_gemm_with(GemmKernel kernel, bool trans_a, bool trans_b, std::int64_t M, std::int64_t N,
                      std::int64_t K, float alpha, const float* A, const float* B, float beta, float* C);

bool gemm_kernel_supported(GemmKernel kernel);
// The kernel packed_gemm uses: avx512 where the CPU has it, else openblas (the AVX2
// kernel is a little slower than OpenBLAS's own), unless NABLA_CONV_GEMM names another
// (avx512, avx2 or openblas; for measuring one against another).
GemmKernel packed_gemm_kernel();
std::string gemm_kernel_name(GemmKernel kernel);

}  // namespace nabla
