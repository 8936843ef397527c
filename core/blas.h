#pragma once
// Matrix products: every one goes through OpenBLAS's cblas_sgemm.
// Row-major throughout; a transposed operand is passed as a transpose flag, never copied.
#include <cstdint>
#include <string>

namespace nabla {

// C[M,N] = alpha * op(A) op(B) + beta * C, op(A) is [M,K], op(B) is [K,N].
// A is stored [M,K] (or [K,M] when trans_a); B is [K,N] (or [N,K] when trans_b).
void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
          const float* A, const float* B, float beta, float* C);
// Floating-point operations (2*M*N*K) of every gemm so far in this process: benchmarks
// divide the difference over a run by its time to report the matrix products' GFLOP/s.
std::uint64_t gemm_flop_count();
// Adds a product computed outside OpenBLAS (core/packed_gemm.h) to that count.
void add_gemm_flops(std::uint64_t flop);
// The naive triple loop, accumulated in double: the reference the tests compare gemm with.
void gemm_reference(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                    const float* A, const float* B, float beta, float* C);

// nabla's threads (OpenMP) for the whole process; OpenBLAS itself runs single-threaded
// inside them, so the two never compete for cores.
void set_num_threads(int n);
int get_num_threads();
// The kernel family OpenBLAS picked for this CPU, e.g. "SkylakeX" or "Prescott".
std::string blas_core_name();

}  // namespace nabla
