#pragma once
// Matrix products. Row-major throughout; a transposed operand is passed as a transpose
// flag, never copied. One row (a single image through a Linear layer) goes to OpenBLAS's
// sgemv; any other product to the default kernel below.
#include <cstdint>
#include <string>
#include <vector>

namespace nabla {

// C[M,N] = alpha * op(A) op(B) + beta * C, op(A) is [M,K], op(B) is [K,N].
// A is stored [M,K] (or [K,M] when trans_a); B is [K,N] (or [N,K] when trans_b).
void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
          const float* A, const float* B, float beta, float* C);

// Who computes a product: nabla's own kernels (core/packed_gemm.h) or OpenBLAS's sgemm.
enum class GemmKernel { avx512, avx2, openblas };
// gemm() on a chosen kernel; throws naming the kernel when this CPU cannot run it.
void gemm_with(GemmKernel kernel, bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K,
               float alpha, const float* A, const float* B, float beta, float* C);
bool gemm_kernel_supported(GemmKernel kernel);
// gemm()'s kernel: avx512 on an AVX-512 CPU whose OpenBLAS runs a 256-bit kernel (as
// OPENBLAS_CORETYPE=Haswell makes it), openblas otherwise (its own AVX-512 kernel is faster
// than nabla's, and nabla's AVX2 kernel reaches 87-92% of OpenBLAS's Haswell one). The
// environment variable NABLA_GEMM (avx512, avx2 or openblas) overrides it, e.g. to measure
// one against another.
GemmKernel default_gemm_kernel();
std::string gemm_kernel_name(GemmKernel kernel);
// A left operand shared by many products (a convolution's weight against each image's
// columns): on nabla's kernels op(A) is packed once here instead of once per product;
// OpenBLAS packs per call regardless. gemm(lhs, ...) gives gemm(trans_a, ...)'s bits.
// Holds A's address: A must outlive it, unchanged.
class GemmLhs {
public:
    GemmLhs(bool trans_a, std::int64_t M, std::int64_t K, const float* A);
    GemmLhs(GemmKernel kernel, bool trans_a, std::int64_t M, std::int64_t K, const float* A);  // gemm_with's

private:
    friend void gemm(const GemmLhs& a, bool trans_b, std::int64_t N, float alpha, const float* B, float beta,
                     float* C);
    GemmKernel kernel_;
    bool trans_a_;
    std::int64_t M_, K_;
    const float* A_;
    std::vector<float> packed_;  // empty on OpenBLAS
};
// C[M,N] = alpha * op(A) op(B) + beta * C with op(A) from lhs; safe to call from many
// threads at once on one lhs.
void gemm(const GemmLhs& a, bool trans_b, std::int64_t N, float alpha, const float* B, float beta, float* C);

// Floating-point operations (2*M*N*K) of every gemm so far in this process: benchmarks
// divide the difference over a run by its time to report the matrix products' GFLOP/s,
// and the FLOPs over the sgemm peak give a model's floor. Work that another algorithm does
// in place of the plain product (a direct or Winograd convolution) is counted at the plain
// product's FLOPs, so a model's floor stays the same whichever algorithm runs.
std::uint64_t gemm_flop_count();
// Adds delta (which may be negative: a Winograd convolution's own products, replaced by
// the plain product's count) to gemm_flop_count.
void count_gemm_flops(std::int64_t delta);
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
