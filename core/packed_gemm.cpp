#include "core/packed_gemm.h"

#include "core/parallel.h"
#include "core/simd.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NABLA_X86_KERNELS 1
#endif

namespace nabla {

// The classic packed layout (Goto's): op(A) is copied into panels of MR rows stored k by k
// ([K][MR]), op(B) into panels of NR columns ([K][NR]), both zero-padded at the edges. The
// micro-kernel then streams one A panel against one B panel, keeping the MR x NR block of
// C in registers for the whole k loop. A is packed once per product; one B panel at a time
// is packed and reused against every A panel while it sits in L1/L2. The products here
// have K of at most a few thousand, so there is no blocking over k.

namespace {

// C[mr x nr] (row stride ldc) = alpha * acc + beta * C, or alpha * acc when beta is 0.
struct Tile {
    float* c;
    std::int64_t ldc;
    int mr, nr;
    float alpha, beta;
};

using MicroKernel = void (*)(std::int64_t K, const float* a, const float* b, const Tile& t);

// Writes a finished block held row by row in acc[MR][NR].
template <int MR, int NR>
void store_tile(const float* acc, const Tile& t) {
    for (int r = 0; r < t.mr; ++r)
        for (int j = 0; j < t.nr; ++j) {
            float& c = t.c[r * t.ldc + j];
            const float v = t.alpha * acc[r * NR + j];
            c = t.beta == 0.0f ? v : v + t.beta * c;
        }
}

#ifdef NABLA_X86_KERNELS

// 8 rows x 32 columns: 16 zmm accumulators, two B loads and eight broadcasts per k.
constexpr int kMr512 = 8, kNr512 = 32;

__attribute__((target("avx512f"))) void kernel_avx512(std::int64_t K, const float* a, const float* b,
                                                      const Tile& t) {
    __m512 c[kMr512][2];
#pragma GCC unroll 8
    for (int r = 0; r < kMr512; ++r) c[r][0] = c[r][1] = _mm512_setzero_ps();
    for (std::int64_t k = 0; k < K; ++k, a += kMr512, b += kNr512) {
        const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 8
        for (int r = 0; r < kMr512; ++r) {
            const __m512 ar = _mm512_set1_ps(a[r]);
            c[r][0] = _mm512_fmadd_ps(ar, b0, c[r][0]);
            c[r][1] = _mm512_fmadd_ps(ar, b1, c[r][1]);
        }
    }
    if (t.mr == kMr512 && t.nr == kNr512) {
        const __m512 alpha = _mm512_set1_ps(t.alpha), beta = _mm512_set1_ps(t.beta);
#pragma GCC unroll 8
        for (int r = 0; r < kMr512; ++r)
            for (int h = 0; h < 2; ++h) {
                float* p = t.c + r * t.ldc + 16 * h;
                __m512 v = _mm512_mul_ps(alpha, c[r][h]);
                if (t.beta != 0.0f) v = _mm512_add_ps(v, _mm512_mul_ps(beta, _mm512_loadu_ps(p)));
                _mm512_storeu_ps(p, v);
            }
        return;
    }
    alignas(64) float acc[kMr512 * kNr512];
    for (int r = 0; r < kMr512; ++r) {
        _mm512_store_ps(acc + r * kNr512, c[r][0]);
        _mm512_store_ps(acc + r * kNr512 + 16, c[r][1]);
    }
    store_tile<kMr512, kNr512>(acc, t);
}

// 6 rows x 16 columns: 12 ymm accumulators of the 16 registers AVX2 has.
constexpr int kMr256 = 6, kNr256 = 16;

__attribute__((target("avx2,fma"))) void kernel_avx2(std::int64_t K, const float* a, const float* b,
                                                     const Tile& t) {
    // Named accumulators: with an array GCC 12 stored all twelve to the stack on every k.
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,
           c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (std::int64_t k = 0; k < K; ++k, a += kMr256, b += kNr256) {
        const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#define NABLA_AVX2_ROW(r)                             \
    {                                                 \
        const __m256 ar = _mm256_broadcast_ss(a + r); \
        c##r##0 = _mm256_fmadd_ps(ar, b0, c##r##0);   \
        c##r##1 = _mm256_fmadd_ps(ar, b1, c##r##1);   \
    }
        NABLA_AVX2_ROW(0)
        NABLA_AVX2_ROW(1)
        NABLA_AVX2_ROW(2)
        NABLA_AVX2_ROW(3)
        NABLA_AVX2_ROW(4)
        NABLA_AVX2_ROW(5)
#undef NABLA_AVX2_ROW
    }
    const __m256 c[kMr256][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    if (t.mr == kMr256 && t.nr == kNr256) {
        const __m256 alpha = _mm256_set1_ps(t.alpha), beta = _mm256_set1_ps(t.beta);
#pragma GCC unroll 6
        for (int r = 0; r < kMr256; ++r)
            for (int h = 0; h < 2; ++h) {
                float* p = t.c + r * t.ldc + 8 * h;
                __m256 v = _mm256_mul_ps(alpha, c[r][h]);
                if (t.beta != 0.0f) v = _mm256_add_ps(v, _mm256_mul_ps(beta, _mm256_loadu_ps(p)));
                _mm256_storeu_ps(p, v);
            }
        return;
    }
    alignas(32) float acc[kMr256 * kNr256];
    for (int r = 0; r < kMr256; ++r) {
        _mm256_store_ps(acc + r * kNr256, c[r][0]);
        _mm256_store_ps(acc + r * kNr256 + 8, c[r][1]);
    }
    store_tile<kMr256, kNr256>(acc, t);
}

// out[kk][i] = rows[i][k0 + kk] for the first `rows` rows (stride ld) and kc <= 16 values
// of k; rows past `rows` read as zero. A 16 x 16 transpose in registers: pairs, then quads
// within 128-bit lanes, then the lanes. The maskz forms with every lane set stand in for
// the plain shuffles, which GCC 12 flags with a false uninitialised-value warning.
__attribute__((target("avx512f"))) inline void transpose_16x16(__m512 out[16], const float* src,
                                                               std::int64_t ld, int rows, int kc) {
    constexpr __mmask16 all = 0xffff;
    const auto kmask = static_cast<__mmask16>((1u << kc) - 1u);
    __m512 r[16], t[16];
    for (int i = 0; i < 16; ++i)
        r[i] = i < rows ? _mm512_maskz_loadu_ps(kmask, src + i * ld) : _mm512_setzero_ps();
    for (int p = 0; p < 8; ++p) {
        t[2 * p] = _mm512_maskz_unpacklo_ps(all, r[2 * p], r[2 * p + 1]);
        t[2 * p + 1] = _mm512_maskz_unpackhi_ps(all, r[2 * p], r[2 * p + 1]);
    }
    for (int q = 0; q < 4; ++q) {  // r[4q + m], lane L: column 4L + m of rows 4q..4q+3
        r[4 * q + 0] = _mm512_maskz_shuffle_ps(all, t[4 * q], t[4 * q + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * q + 1] = _mm512_maskz_shuffle_ps(all, t[4 * q], t[4 * q + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[4 * q + 2] = _mm512_maskz_shuffle_ps(all, t[4 * q + 1], t[4 * q + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * q + 3] = _mm512_maskz_shuffle_ps(all, t[4 * q + 1], t[4 * q + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int m = 0; m < 4; ++m) {
        const __m512 v = _mm512_maskz_shuffle_f32x4(all, r[m], r[4 + m], 0x88),
                     w = _mm512_maskz_shuffle_f32x4(all, r[m], r[4 + m], 0xdd);
        const __m512 x = _mm512_maskz_shuffle_f32x4(all, r[8 + m], r[12 + m], 0x88),
                     y = _mm512_maskz_shuffle_f32x4(all, r[8 + m], r[12 + m], 0xdd);
        out[m] = _mm512_maskz_shuffle_f32x4(all, v, x, 0x88);       // column m
        out[8 + m] = _mm512_maskz_shuffle_f32x4(all, v, x, 0xdd);   // column 8 + m
        out[4 + m] = _mm512_maskz_shuffle_f32x4(all, w, y, 0x88);   // column 4 + m
        out[12 + m] = _mm512_maskz_shuffle_f32x4(all, w, y, 0xdd);  // column 12 + m
    }
}

// Columns [j0, j0 + nr) of a B stored [N, K] (a transposed operand) as one [K][32] panel,
// two 16-column halves per block of 16 values of k: the scalar transpose wrote one float
// per store and cost as much as the product for the MLP's first layer.
__attribute__((target("avx512f"))) void pack_b_transposed_32(float* dst, const float* B, std::int64_t K,
                                                             std::int64_t j0, int nr) {
    for (std::int64_t k0 = 0; k0 < K; k0 += 16) {
        const int kc = static_cast<int>(std::min<std::int64_t>(16, K - k0));
        for (int half = 0; half < 2; ++half) {
            __m512 t[16];
            transpose_16x16(t, B + (j0 + 16 * half) * K + k0, K, std::clamp(nr - 16 * half, 0, 16), kc);
            for (int kk = 0; kk < kc; ++kk) _mm512_storeu_ps(dst + (k0 + kk) * 32 + 16 * half, t[kk]);
        }
    }
}

// Rows [i0, i0 + mr) of an A stored [M, K] as one [K][8] panel: the low 8 lanes of each
// transposed column.
__attribute__((target("avx512f"))) void pack_a_rows_8(float* dst, const float* A, std::int64_t K,
                                                      std::int64_t i0, int mr) {
    for (std::int64_t k0 = 0; k0 < K; k0 += 16) {
        const int kc = static_cast<int>(std::min<std::int64_t>(16, K - k0));
        __m512 t[16];
        transpose_16x16(t, A + i0 * K + k0, K, mr, kc);
        for (int kk = 0; kk < kc; ++kk) _mm512_mask_storeu_ps(dst + (k0 + kk) * 8, 0x00ff, t[kk]);
    }
}

#endif  // NABLA_X86_KERNELS

struct Operands {
    bool trans_a, trans_b;
    std::int64_t M, N, K;
    const float* A;
    const float* B;
};

// Rows [i0, i0 + MR) of op(A) as one [K][MR] panel. Stored transposed ([K, M]), a panel's
// k-th entry is MR contiguous floats; stored [M, K], each row is read in order and written
// with stride MR (a branch on the layout per element made this 6% of a cnn_bn iteration).
template <int MR>
void pack_a(float* dst, const Operands& o, std::int64_t i0) {
    const int mr = static_cast<int>(std::min<std::int64_t>(MR, o.M - i0));
    if (mr < MR) std::fill_n(dst, o.K * MR, 0.0f);
    if (o.trans_a) {
        for (std::int64_t k = 0; k < o.K; ++k) std::copy_n(o.A + k * o.M + i0, mr, dst + k * MR);
        return;
    }
#ifdef NABLA_X86_KERNELS
    if constexpr (MR == 8) return pack_a_rows_8(dst, o.A, o.K, i0, mr);  // only the AVX-512 kernel's panels
#endif
    for (int r = 0; r < mr; ++r) {
        const float* row = o.A + (i0 + r) * o.K;
        for (std::int64_t k = 0; k < o.K; ++k) dst[k * MR + r] = row[k];
    }
}

// Columns [j0, j0 + nr) of op(B) as one [K][NR] panel.
template <int NR>
void pack_b(float* dst, const Operands& o, std::int64_t j0, int nr) {
    if (!o.trans_b) {
        for (std::int64_t k = 0; k < o.K; ++k, dst += NR) {
            const float* src = o.B + k * o.N + j0;
            if (nr == NR) {  // a fixed size: inlined vector moves instead of a memmove call per row
                std::memcpy(dst, src, NR * sizeof(float));
                continue;
            }
            std::copy_n(src, nr, dst);
            std::fill(dst + nr, dst + NR, 0.0f);
        }
        return;
    }
#ifdef NABLA_X86_KERNELS
    if constexpr (NR == 32)
        return pack_b_transposed_32(dst, o.B, o.K, j0, nr);  // only the AVX-512 kernel's panels
#endif
    // B is stored [N, K]: a transpose, in blocks of kStep values of k so that the NR rows
    // read and the kStep rows written stay in L1 (column by column over all of k, the
    // writes walked the whole panel once per column: 20% slower products at K = 3136).
    constexpr std::int64_t kStep = 16;
    if (nr < NR) std::fill_n(dst, o.K * NR, 0.0f);
    for (std::int64_t k0 = 0; k0 < o.K; k0 += kStep) {
        const std::int64_t k1 = std::min(o.K, k0 + kStep);
        for (int j = 0; j < nr; ++j) {
            const float* src = o.B + (j0 + j) * o.K;
            for (std::int64_t k = k0; k < k1; ++k) dst[k * NR + j] = src[k];
        }
    }
}

// Multiplies B panel q against every packed A panel.
template <int MR, int NR>
void panel_product(MicroKernel kernel, const Operands& o, const float* packed_a, std::int64_t q, float alpha,
                   float beta, float* C) {
    thread_local std::vector<float> b_pack;
    b_pack.resize(static_cast<std::size_t>(NR * o.K));
    const std::int64_t j0 = q * NR;
    const int nr = static_cast<int>(std::min<std::int64_t>(NR, o.N - j0));
    pack_b<NR>(b_pack.data(), o, j0, nr);
    for (std::int64_t i0 = 0; i0 < o.M; i0 += MR) {
        const Tile t{
            C + i0 * o.N + j0, o.N, static_cast<int>(std::min<std::int64_t>(MR, o.M - i0)), nr, alpha, beta};
        kernel(o.K, packed_a + i0 * o.K, b_pack.data(), t);
    }
}

template <int MR>
std::int64_t packed_a_size(std::int64_t M, std::int64_t K) {
    return (M + MR - 1) / MR * MR * K;
}

// packed_a: op(A) already packed (every panel), or null to pack it here.
template <int MR, int NR>
void run_packed(MicroKernel kernel, const Operands& o, const float* packed_a, float alpha, float beta,
                float* C) {
    const std::int64_t a_panels = (o.M + MR - 1) / MR, b_panels = (o.N + NR - 1) / NR;
    thread_local std::vector<float> a_pack;  // grows to the largest product seen, then stays
    if (!packed_a) a_pack.resize(static_cast<std::size_t>(packed_a_size<MR>(o.M, o.K)));
    float* to_pack = packed_a ? nullptr : a_pack.data();
    const float* A = packed_a ? packed_a : a_pack.data();
    const bool split = !omp_in_parallel() && omp_get_max_threads() > 1 && b_panels > 1 &&
                       o.M * o.N * o.K >= kParallelMinGemmWork;
    if (!split) {  // no OpenMP construct at all: even a one-thread region costs microseconds
        if (to_pack)
            for (std::int64_t p = 0; p < a_panels; ++p) pack_a<MR>(to_pack + p * MR * o.K, o, p * MR);
        for (std::int64_t q = 0; q < b_panels; ++q) panel_product<MR, NR>(kernel, o, A, q, alpha, beta, C);
        return;
    }
    // A is packed by all threads (a serial packing held a 64 x 784 product to 1.3x on two
    // threads), then each thread takes whole B panels.
#pragma omp parallel
    {
        if (to_pack) {
#pragma omp for schedule(static)
            for (std::int64_t p = 0; p < a_panels; ++p) pack_a<MR>(to_pack + p * MR * o.K, o, p * MR);
        }
#pragma omp for schedule(static)
        for (std::int64_t q = 0; q < b_panels; ++q) panel_product<MR, NR>(kernel, o, A, q, alpha, beta, C);
    }
}

}  // namespace

bool packed_kernel_supported(GemmKernel kernel) {
#ifdef NABLA_X86_KERNELS
    __builtin_cpu_init();
    if (kernel == GemmKernel::avx512) return cpu_has_avx512();
    if (kernel == GemmKernel::avx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    (void)kernel;
    return false;
}

namespace {

// Runs the product on the kernel's tile sizes; packed_a as run_packed takes it.
void run_on(GemmKernel kernel, const Operands& o, const float* packed_a, float alpha, float beta, float* C) {
#ifdef NABLA_X86_KERNELS
    if (kernel == GemmKernel::avx512)
        return run_packed<kMr512, kNr512>(kernel_avx512, o, packed_a, alpha, beta, C);
    if (kernel == GemmKernel::avx2)
        return run_packed<kMr256, kNr256>(kernel_avx2, o, packed_a, alpha, beta, C);
#endif
    (void)kernel, (void)o, (void)packed_a, (void)alpha, (void)beta,
        (void)C;  // only supported kernels come here
}

}  // namespace

void packed_gemm(GemmKernel kernel, bool trans_a, bool trans_b, std::int64_t M, std::int64_t N,
                 std::int64_t K, float alpha, const float* A, const float* B, float beta, float* C) {
    run_on(kernel, Operands{trans_a, trans_b, M, N, K, A, B}, nullptr, alpha, beta, C);
}

std::int64_t packed_lhs_size(GemmKernel kernel, std::int64_t M, std::int64_t K) {
#ifdef NABLA_X86_KERNELS
    if (kernel == GemmKernel::avx512) return packed_a_size<kMr512>(M, K);
    if (kernel == GemmKernel::avx2) return packed_a_size<kMr256>(M, K);
#endif
    (void)kernel, (void)M, (void)K;
    return 0;
}

void pack_lhs(GemmKernel kernel, bool trans_a, std::int64_t M, std::int64_t K, const float* A, float* dst) {
    const Operands o{trans_a, false, M, 0, K, A, nullptr};
#ifdef NABLA_X86_KERNELS
    if (kernel == GemmKernel::avx512)
        for (std::int64_t i0 = 0; i0 < M; i0 += kMr512) pack_a<kMr512>(dst + i0 * K, o, i0);
    if (kernel == GemmKernel::avx2)
        for (std::int64_t i0 = 0; i0 < M; i0 += kMr256) pack_a<kMr256>(dst + i0 * K, o, i0);
#endif
    (void)kernel, (void)o, (void)dst;
}

void packed_gemm_lhs(GemmKernel kernel, const float* packed_a, bool trans_b, std::int64_t M, std::int64_t N,
                     std::int64_t K, float alpha, const float* B, float beta, float* C) {
    run_on(kernel, Operands{false, trans_b, M, N, K, nullptr, B}, packed_a, alpha, beta, C);
}

}  // namespace nabla
