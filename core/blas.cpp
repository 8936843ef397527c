#include "core/blas.h"

#include "core/error.h"
#include "core/packed_gemm.h"
#include "core/parallel.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>

namespace nabla {

namespace {

// nabla owns the threads: OpenMP runs the kernels' batch and channel loops, and a large
// sgemm is split into one block per OpenMP thread, each an OpenBLAS call on one thread.
// Two thread pools (OpenBLAS's and OpenMP's) spinning on the same cores would otherwise
// take turns stealing them from each other: on 2 cores that made a CNN step 3x slower.
void single_threaded_blas() {
    static const bool done = [] {
        openblas_set_num_threads(1);
        return true;
    }();
    (void)done;
}

std::atomic<std::uint64_t> flops{0};

void sgemm_block(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                 const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C,
                 std::int64_t ldc) {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(M), static_cast<blasint>(N), static_cast<blasint>(K), alpha, A,
                static_cast<blasint>(lda), B, static_cast<blasint>(ldb), beta, C, static_cast<blasint>(ldc));
}

// C[1,N] = alpha * a op(B) + beta * C as a matrix-vector product. OpenBLAS's sgemm packs
// all of B first, which for one row (a single image through a Linear layer) is most of the
// work: 40% of a batch-1 cnn_bn forward went to packing the 3136 x 128 weight.
void row_times_matrix(bool trans_b, std::int64_t N, std::int64_t K, float alpha, const float* a,
                      const float* B, float beta, float* C) {
    if (beta == 0.0f) std::fill_n(C, N, 0.0f);  // beta 0 ignores what C held, NaN included
    if (K == 0) {  // nothing to multiply (and a leading dimension of 0 that sgemv rejects)
        for (std::int64_t n = 0; n < N; ++n) C[n] *= beta;
        return;
    }
    if (trans_b)  // B is [N, K]: C = B a
        cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(N), static_cast<blasint>(K), alpha, B,
                    static_cast<blasint>(K), a, 1, beta, C, 1);
    else  // B is [K, N]: C = B^T a
        cblas_sgemv(CblasRowMajor, CblasTrans, static_cast<blasint>(K), static_cast<blasint>(N), alpha, B,
                    static_cast<blasint>(N), a, 1, beta, C, 1);
}

void openblas_gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                   const float* A, const float* B, float beta, float* C) {
    single_threaded_blas();
    const std::int64_t lda = trans_a ? M : K, ldb = trans_b ? K : N;
    const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
    if (threads <= 1 || M * N * K < kParallelMinGemmWork) {
        sgemm_block(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, N);
        return;
    }
    // Split the wider side of C into equal blocks (a multiple of 16 columns or 4 rows), one
    // per thread. The partition is fixed by the thread count, and every element of C is still
    // one dot product in OpenBLAS's order, so results are reproducible.
    const bool by_cols = N >= M;
    const std::int64_t extent = by_cols ? N : M, align = by_cols ? 16 : 4;
    const std::int64_t step = (extent / threads + align - 1) / align * align;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int t = 0; t < threads; ++t) {
        const std::int64_t lo = std::min(extent, t * step), hi = std::min(extent, lo + step);
        if (hi <= lo) continue;
        if (by_cols) {
            const float* b = trans_b ? B + lo * K : B + lo;
            sgemm_block(trans_a, trans_b, M, hi - lo, K, alpha, A, lda, b, ldb, beta, C + lo, N);
        } else {
            const float* a = trans_a ? A + lo : A + lo * K;
            sgemm_block(trans_a, trans_b, hi - lo, N, K, alpha, a, lda, B, ldb, beta, C + lo * N, N);
        }
    }
}

bool openblas_runs_avx512() {
    std::string core = blas_core_name();
    for (char& ch : core) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return core == "skylakex" || core == "cooperlake" || core == "sapphirerapids";
}

GemmKernel kernel_from_environment() {
    const char* env = std::getenv("NABLA_GEMM");
    const std::string name = env ? env : "";
    GemmKernel k = gemm_kernel_supported(GemmKernel::avx512) && !openblas_runs_avx512()
                       ? GemmKernel::avx512
                       : GemmKernel::openblas;
    if (name == "avx512")
        k = GemmKernel::avx512;
    else if (name == "avx2")
        k = GemmKernel::avx2;
    else if (name == "openblas")
        k = GemmKernel::openblas;
    else
        NABLA_CHECK(name.empty(), "NABLA_GEMM", "unknown kernel '{}' (expected avx512, avx2 or openblas)",
                    name);
    NABLA_CHECK(gemm_kernel_supported(k), "NABLA_GEMM", "this CPU cannot run the {} kernel",
                gemm_kernel_name(k));
    return k;
}

}  // namespace

void gemm_with(GemmKernel kernel, bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K,
               float alpha, const float* A, const float* B, float beta, float* C) {
    NABLA_CHECK(gemm_kernel_supported(kernel), "gemm", "this CPU cannot run the {} kernel",
                gemm_kernel_name(kernel));
    if (M == 0 || N == 0) return;
    flops.fetch_add(std::uint64_t(2 * M * N * K), std::memory_order_relaxed);
    if (M == 1) {
        single_threaded_blas();
        return row_times_matrix(trans_b, N, K, alpha, A, B, beta, C);
    }
    if (kernel == GemmKernel::openblas) return openblas_gemm(trans_a, trans_b, M, N, K, alpha, A, B, beta, C);
    packed_gemm(kernel, trans_a, trans_b, M, N, K, alpha, A, B, beta, C);
}

void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
          const float* A, const float* B, float beta, float* C) {
    gemm_with(default_gemm_kernel(), trans_a, trans_b, M, N, K, alpha, A, B, beta, C);
}

GemmLhs::GemmLhs(bool trans_a, std::int64_t M, std::int64_t K, const float* A)
    : GemmLhs(default_gemm_kernel(), trans_a, M, K, A) {}

GemmLhs::GemmLhs(GemmKernel kernel, bool trans_a, std::int64_t M, std::int64_t K, const float* A)
    : kernel_(kernel), trans_a_(trans_a), M_(M), K_(K), A_(A) {
    NABLA_CHECK(gemm_kernel_supported(kernel), "gemm", "this CPU cannot run the {} kernel",
                gemm_kernel_name(kernel));
    if (kernel_ == GemmKernel::openblas || M <= 1) return;  // gemm_with() would not pack either
    packed_.resize(static_cast<std::size_t>(packed_lhs_size(kernel_, M, K)));
    pack_lhs(kernel_, trans_a, M, K, A, packed_.data());
}

void gemm(const GemmLhs& a, bool trans_b, std::int64_t N, float alpha, const float* B, float beta, float* C) {
    if (a.packed_.empty() || N == 0)
        return gemm_with(a.kernel_, a.trans_a_, trans_b, a.M_, N, a.K_, alpha, a.A_, B, beta, C);
    flops.fetch_add(std::uint64_t(2 * a.M_ * N * a.K_), std::memory_order_relaxed);
    packed_gemm_lhs(a.kernel_, a.packed_.data(), trans_b, a.M_, N, a.K_, alpha, B, beta, C);
}

bool gemm_kernel_supported(GemmKernel kernel) {
    return kernel == GemmKernel::openblas || packed_kernel_supported(kernel);
}

GemmKernel default_gemm_kernel() {
    static const GemmKernel kernel = kernel_from_environment();
    return kernel;
}

std::string gemm_kernel_name(GemmKernel kernel) {
    switch (kernel) {
        case GemmKernel::avx512: return "avx512";
        case GemmKernel::avx2: return "avx2";
        case GemmKernel::openblas: return "openblas";
    }
    return "unknown";
}

std::uint64_t gemm_flop_count() { return flops.load(std::memory_order_relaxed); }

void count_gemm_flops(std::int64_t delta) {
    flops.fetch_add(static_cast<std::uint64_t>(delta), std::memory_order_relaxed);  // modulo 2^64
}

void gemm_reference(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
                    const float* A, const float* B, float beta, float* C) {
    for (std::int64_t m = 0; m < M; ++m)
        for (std::int64_t n = 0; n < N; ++n) {
            double acc = 0.0;
            for (std::int64_t k = 0; k < K; ++k) {
                const float a = trans_a ? A[k * M + m] : A[m * K + k];
                const float b = trans_b ? B[n * K + k] : B[k * N + n];
                acc += double(a) * double(b);
            }
            const float prev = beta == 0.0f ? 0.0f : beta * C[m * N + n];  // beta 0 ignores NaN in C
            C[m * N + n] = alpha * static_cast<float>(acc) + prev;
        }
}

void set_num_threads(int n) { omp_set_num_threads(n); }
int get_num_threads() { return omp_get_max_threads(); }
std::string blas_core_name() { return openblas_get_corename(); }

}  // namespace nabla
