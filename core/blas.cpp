#include "core/blas.h"

#include <cblas.h>

namespace nabla {

void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
          const float* A, const float* B, float beta, float* C) {
    if (M == 0 || N == 0) return;
    const auto lda = static_cast<blasint>(trans_a ? M : K);
    const auto ldb = static_cast<blasint>(trans_b ? K : N);
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(M), static_cast<blasint>(N), static_cast<blasint>(K), alpha, A, lda, B, ldb,
                beta, C, static_cast<blasint>(N));
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

void set_num_threads(int n) { openblas_set_num_threads(n); }
int get_num_threads() { return openblas_get_num_threads(); }
std::string blas_core_name() { return openblas_get_corename(); }

}  // namespace nabla
