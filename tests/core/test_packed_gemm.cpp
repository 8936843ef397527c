// gemm's kernels (nabla's own, core/packed_gemm.h, and OpenBLAS) against the naive
// product, on every kernel this CPU runs.
#include "core/blas.h"
#include "support/compare.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <cmath>
#include <limits>
#include <vector>

using namespace nabla;
using nabla::test::all_close;

namespace {

std::vector<GemmKernel> supported_kernels() {
    std::vector<GemmKernel> out;
    for (GemmKernel k : {GemmKernel::avx512, GemmKernel::avx2, GemmKernel::openblas})
        if (gemm_kernel_supported(k)) out.push_back(k);
    return out;
}

struct Size {
    std::int64_t M, N, K;
};

}  // namespace

TEST_CASE("every gemm kernel matches gemm_reference on edge tiles, transposes, alpha and beta",
          "[core][gemm]") {
    manual_seed(11);
    // Sizes around the tiles (8 x 32 and 6 x 16): one short of, at, and one past them; K = 0.
    const std::vector<Size> sizes{{1, 1, 1},   {5, 15, 3},     {6, 16, 7},  {7, 17, 9},   {8, 32, 4},
                                  {9, 33, 20}, {64, 196, 288}, {13, 70, 0}, {32, 784, 9}, {288, 196, 64}};
    for (GemmKernel kernel : supported_kernels())
        for (const Size& s : sizes)
            for (bool ta : {false, true})
                for (bool tb : {false, true})
                    for (float beta : {0.0f, 1.0f, -0.5f}) {
                        INFO(gemm_kernel_name(kernel) << " M=" << s.M << " N=" << s.N << " K=" << s.K
                                                      << " ta=" << ta << " tb=" << tb << " beta=" << beta);
                        const Tensor A = randn({s.M * s.K + 1}), B = randn({s.K * s.N + 1});
                        Tensor c1 = randn({s.M, s.N});
                        Tensor c2 = c1.clone();
                        gemm_with(kernel, ta, tb, s.M, s.N, s.K, 0.75f, A.data(), B.data(), beta, c1.data());
                        gemm_reference(ta, tb, s.M, s.N, s.K, 0.75f, A.data(), B.data(), beta, c2.data());
                        REQUIRE(all_close(c1, c2, 1e-4f));
                    }
}

TEST_CASE("a left operand packed once (GemmLhs) gives gemm_with's bits on every kernel", "[core][gemm]") {
    manual_seed(15);
    const std::vector<Size> sizes{{1, 5, 3},      {7, 17, 9},  {9, 33, 20},
                                  {64, 196, 288}, {13, 70, 0}, {288, 196, 64}};
    for (GemmKernel kernel : supported_kernels())
        for (const Size& s : sizes)
            for (bool ta : {false, true})
                for (bool tb : {false, true})
                    for (float beta : {0.0f, -0.5f}) {
                        INFO(gemm_kernel_name(kernel) << " M=" << s.M << " N=" << s.N << " K=" << s.K
                                                      << " ta=" << ta << " tb=" << tb << " beta=" << beta);
                        const Tensor A = randn({s.M * s.K + 1}), B = randn({s.K * s.N + 1});
                        Tensor c1 = randn({s.M, s.N});
                        Tensor c2 = c1.clone();
                        const GemmLhs lhs(kernel, ta, s.M, s.K, A.data());
                        gemm(lhs, tb, s.N, 0.75f, B.data(), beta, c1.data());
                        gemm_with(kernel, ta, tb, s.M, s.N, s.K, 0.75f, A.data(), B.data(), beta, c2.data());
                        REQUIRE(std::equal(c1.data(), c1.data() + c1.numel(), c2.data()));
                    }
}

TEST_CASE("every gemm kernel with beta 0 overwrites C, NaN included", "[core][gemm]") {
    manual_seed(12);
    for (GemmKernel kernel : supported_kernels()) {
        INFO(gemm_kernel_name(kernel));
        const Tensor A = randn({9 * 5}), B = randn({5 * 40});
        Tensor c = full({9, 40}, std::numeric_limits<float>::quiet_NaN());
        Tensor ref = zeros({9, 40});
        gemm_with(kernel, false, false, 9, 40, 5, 1.0f, A.data(), B.data(), 0.0f, c.data());
        gemm_reference(false, false, 9, 40, 5, 1.0f, A.data(), B.data(), 0.0f, ref.data());
        REQUIRE(all_close(c, ref, 1e-5f));
    }
}

TEST_CASE("the AVX-512 and AVX2 kernels give the same bits", "[core][gemm]") {
    if (!gemm_kernel_supported(GemmKernel::avx512) || !gemm_kernel_supported(GemmKernel::avx2)) {
        WARN("SKIPPED: this CPU lacks the AVX-512 or the AVX2 kernel");
        return;
    }
    manual_seed(13);
    // Each output is one fused multiply-add chain over k in order, whatever the vector width.
    const Tensor A = randn({37 * 123}), B = randn({123 * 61});
    Tensor c1 = zeros({37, 61}), c2 = zeros({37, 61});
    gemm_with(GemmKernel::avx512, true, false, 37, 61, 123, 1.0f, A.data(), B.data(), 0.0f, c1.data());
    gemm_with(GemmKernel::avx2, true, false, 37, 61, 123, 1.0f, A.data(), B.data(), 0.0f, c2.data());
    REQUIRE(std::equal(c1.data(), c1.data() + c1.numel(), c2.data()));
}

TEST_CASE("a product split over threads gives the one-thread bits on nabla's kernels", "[core][gemm]") {
    manual_seed(14);
    const std::int64_t M = 64, N = 1000, K = 300;  // above kParallelMinGemmWork: split over panels
    const Tensor A = randn({M * K}), B = randn({K * N});
    const int before = get_num_threads();
    for (GemmKernel kernel : supported_kernels()) {
        if (kernel == GemmKernel::openblas) continue;
        INFO(gemm_kernel_name(kernel));
        Tensor c1 = zeros({M, N}), c2 = zeros({M, N});
        set_num_threads(1);
        gemm_with(kernel, false, false, M, N, K, 1.0f, A.data(), B.data(), 0.0f, c1.data());
        set_num_threads(2);
        gemm_with(kernel, false, false, M, N, K, 1.0f, A.data(), B.data(), 0.0f, c2.data());
        set_num_threads(before);
        REQUIRE(std::equal(c1.data(), c1.data() + c1.numel(), c2.data()));
    }
}

TEST_CASE("gemm_with names a kernel this CPU cannot run", "[core][gemm]") {
    for (GemmKernel kernel : {GemmKernel::avx512, GemmKernel::avx2})
        if (!gemm_kernel_supported(kernel)) {
            float c = 0.0f, one = 1.0f;
            REQUIRE_THROWS_WITH(gemm_with(kernel, false, false, 1, 1, 1, 1.0f, &one, &one, 0.0f, &c),
                                Catch::Contains(gemm_kernel_name(kernel)));
        }
    REQUIRE(gemm_kernel_supported(GemmKernel::openblas));
}

TEST_CASE("gemm counts the FLOPs of every kernel", "[core][gemm]") {
    const Tensor A = ones({4 * 3}), B = ones({3 * 5});
    Tensor c = zeros({4, 5});
    const std::uint64_t before = gemm_flop_count();
    gemm(false, false, 4, 5, 3, 1.0f, A.data(), B.data(), 0.0f, c.data());
    REQUIRE(gemm_flop_count() - before == 2 * 4 * 5 * 3);
    REQUIRE(c.data()[7] == 3.0f);
}
