// The direct convolution for stride 1 and few taps (core/conv_direct_avx512.h), through
// conv2d_forward and conv2d_backward, which take it when the CPU has AVX-512: forward
// against conv2d_reference and the weight gradient against conv2d_backward_reference,
// at row widths on both sides of one and two vectors, padding wider than the kernel's
// reach, non-square kernels and output-channel counts that leave remainders.
#include "core/conv.h"
#include "core/conv_direct_avx512.h"
#include "core/simd.h"
#include "support/compare.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <vector>

using namespace nabla;
using nabla::test::all_close;

namespace {

struct DirectCase {
    std::int64_t B, C, H, W, OC, KH, KW, P;
};

}  // namespace

TEST_CASE("conv2d takes the direct path for the MNIST CNN's first layer on AVX-512", "[core][conv]") {
    const Conv2dDims first = make_conv2d_dims(64, 1, 28, 28, 32, 3, 3, 1, 1);
    const Conv2dDims second = make_conv2d_dims(64, 32, 14, 14, 64, 3, 3, 1, 1);
    CHECK(conv2d_direct_supported(first) == cpu_has_avx512());
    CHECK_FALSE(conv2d_direct_supported(second));  // K = 288: im2col and the packed kernel
    CHECK_FALSE(conv2d_direct_supported(make_conv2d_dims(1, 1, 28, 28, 4, 3, 3, 2, 1)));  // stride 2
    CHECK_FALSE(conv2d_direct_supported(make_conv2d_dims(1, 1, 40, 40, 4, 3, 3, 1, 1)));  // rows of 40
}

TEST_CASE("conv2d forward and weight gradient on the direct path match direct definitions", "[core][conv]") {
    manual_seed(61);
    for (const DirectCase& c : {DirectCase{3, 1, 28, 28, 32, 3, 3, 1}, DirectCase{2, 3, 7, 6, 9, 3, 3, 1},
                                DirectCase{2, 1, 16, 16, 3, 3, 3, 1}, DirectCase{1, 1, 17, 17, 5, 3, 3, 1},
                                DirectCase{2, 2, 9, 32, 4, 5, 5, 2}, DirectCase{1, 1, 30, 30, 2, 3, 3, 2},
                                DirectCase{2, 1, 8, 33, 3, 3, 3, 0}, DirectCase{1, 2, 6, 12, 3, 3, 5, 1},
                                DirectCase{2, 2, 10, 10, 7, 4, 4, 1}, DirectCase{2, 4, 5, 5, 2, 1, 1, 0},
                                DirectCase{1, 1, 4, 4, 2, 3, 3, 3}}) {
        INFO("B=" << c.B << " C=" << c.C << " H=" << c.H << " W=" << c.W << " OC=" << c.OC << " K=" << c.KH
                  << "x" << c.KW << " P=" << c.P);
        const Conv2dDims d = make_conv2d_dims(c.B, c.C, c.H, c.W, c.OC, c.KH, c.KW, 1, c.P);
        const Tensor x = randn({c.B, c.C, c.H, c.W}), w = randn({c.OC, c.C, c.KH, c.KW}), b = randn({c.OC});
        const Tensor g = randn({d.B, d.OC, d.OH, d.OW});
        Tensor fast = empty({d.B, d.OC, d.OH, d.OW}), ref = empty({d.B, d.OC, d.OH, d.OW});
        conv2d_forward(fast.data(), x.data(), w.data(), b.data(), d);
        conv2d_reference(ref.data(), x.data(), w.data(), b.data(), d);
        CHECK(all_close(fast, ref.to_vector(), 1e-4f));

        Tensor dw = empty({c.OC, c.C, c.KH, c.KW}), dw_ref = empty({c.OC, c.C, c.KH, c.KW});
        conv2d_backward(nullptr, dw.data(), nullptr, g.data(), x.data(), w.data(), d);
        conv2d_backward_reference(nullptr, dw_ref.data(), g.data(), x.data(), w.data(), d);
        CHECK(all_close(dw, dw_ref, 1e-4f));
    }
}
