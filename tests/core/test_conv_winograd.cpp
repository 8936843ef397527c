// Winograd F(2x2, 3x3) convolution (core/conv_winograd.h) against the direct definitions:
// forward against conv2d_reference, both gradients against conv2d_backward_reference, at
// even and odd plane sizes (odd ones drop a tile's last row or column), one-pixel planes,
// and batches that leave a chunk half full. The reference gradients are themselves checked
// against finite differences of conv2d_reference.
#include "core/blas.h"
#include "core/conv.h"
#include "core/conv_winograd.h"
#include "core/simd.h"
#include "support/compare.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;
using nabla::test::all_close;

TEST_CASE("conv2d_backward_reference is the derivative of conv2d_reference", "[core][conv]") {
    manual_seed(71);
    const Conv2dDims d = make_conv2d_dims(2, 2, 4, 3, 3, 3, 2, 1, 1);
    const Tensor x = randn({2, 2, 4, 3}), w = randn({3, 2, 3, 2}), g = randn({d.B, d.OC, d.OH, d.OW});
    Tensor dx = empty(x.shape()), dw = empty(w.shape());
    conv2d_backward_reference(dx.data(), dw.data(), g.data(), x.data(), w.data(), d);
    // loss = sum(g * conv(x, w)) is linear in each argument: a central difference is exact
    // up to rounding.
    const auto loss = [&](const Tensor& xx, const Tensor& ww) {
        Tensor y = empty({d.B, d.OC, d.OH, d.OW});
        conv2d_reference(y.data(), xx.data(), ww.data(), nullptr, d);
        double s = 0.0;
        for (std::int64_t i = 0; i < y.numel(); ++i) s += double(y.data()[i]) * g.data()[i];
        return s;
    };
    for (const auto& [param, grad] : {std::pair{x, dx}, std::pair{w, dw}})
        for (std::int64_t i = 0; i < param.numel(); ++i) {
            Tensor plus = param.clone(), minus = param.clone();
            plus.data()[i] += 0.5f;
            minus.data()[i] -= 0.5f;
            const double numeric =
                param.data() == x.data() ? loss(plus, w) - loss(minus, w) : loss(x, plus) - loss(x, minus);
            CHECK(std::abs(numeric - grad.data()[i]) <= 1e-4 * (1.0 + std::abs(numeric)));
        }
}

TEST_CASE("Winograd convolution and its gradients match the direct definitions", "[core][conv]") {
    manual_seed(72);
    struct Cfg {
        std::int64_t B, C, H, W, OC;
    };
    for (const Cfg& c : {Cfg{3, 32, 14, 14, 64}, Cfg{2, 3, 7, 6, 4}, Cfg{1, 2, 5, 5, 3}, Cfg{2, 4, 1, 1, 2},
                         Cfg{1, 5, 2, 9, 3}, Cfg{5, 2, 8, 8, 5}, Cfg{1, 16, 3, 4, 1}}) {
        INFO("B=" << c.B << " C=" << c.C << " H=" << c.H << " W=" << c.W << " OC=" << c.OC);
        const Conv2dDims d = make_conv2d_dims(c.B, c.C, c.H, c.W, c.OC, 3, 3, 1, 1);
        REQUIRE(conv2d_winograd_applies(d));
        if (!cpu_has_avx512()) {  // the path is AVX-512 code: elsewhere it refuses, by name
            CHECK_THROWS_WITH(conv2d_winograd_forward(nullptr, nullptr, nullptr, nullptr, d),
                              Catch::Matchers::Contains("conv2d"));
            continue;
        }
        const Tensor x = randn({c.B, c.C, c.H, c.W}), w = randn({c.OC, c.C, 3, 3}), b = randn({c.OC});
        const Tensor g = randn({d.B, d.OC, d.OH, d.OW});
        Tensor y = empty({d.B, d.OC, d.OH, d.OW}), y_ref = empty({d.B, d.OC, d.OH, d.OW});
        conv2d_winograd_forward(y.data(), x.data(), w.data(), b.data(), d);
        conv2d_reference(y_ref.data(), x.data(), w.data(), b.data(), d);
        CHECK(all_close(y, y_ref, 1e-4f));

        Tensor dx = empty(x.shape()), dx_ref = empty(x.shape()), dw = empty(w.shape()),
               dw_ref = empty(w.shape());
        conv2d_winograd_backward_input(dx.data(), g.data(), w.data(), d);
        conv2d_winograd_backward_weight(dw.data(), g.data(), x.data(), d);
        conv2d_backward_reference(dx_ref.data(), dw_ref.data(), g.data(), x.data(), w.data(), d);
        CHECK(all_close(dx, dx_ref, 1e-4f));
        CHECK(all_close(dw, dw_ref, 1e-4f));
    }
}

TEST_CASE("conv2d takes the Winograd path for 3x3 stride-1 padding-1 layers of several channels",
          "[core][conv]") {
    CHECK(conv2d_winograd_supported(make_conv2d_dims(64, 32, 14, 14, 64, 3, 3, 1, 1)) == cpu_has_avx512());
    CHECK_FALSE(conv2d_winograd_supported(make_conv2d_dims(1, 32, 14, 14, 64, 3, 3, 1, 1)));   // one image
    CHECK_FALSE(conv2d_winograd_supported(make_conv2d_dims(64, 32, 16, 16, 64, 3, 3, 1, 1)));  // rows of 16
    CHECK_FALSE(conv2d_winograd_supported(make_conv2d_dims(64, 1, 28, 28, 32, 3, 3, 1, 1)));   // direct's
    CHECK_FALSE(conv2d_winograd_supported(make_conv2d_dims(1, 8, 9, 9, 4, 3, 3, 2, 1)));       // stride 2
    CHECK_FALSE(conv2d_winograd_supported(make_conv2d_dims(1, 8, 9, 9, 4, 3, 3, 1, 0)));       // padding 0
    CHECK_FALSE(conv2d_winograd_supported(make_conv2d_dims(1, 8, 9, 9, 4, 5, 5, 1, 1)));       // 5x5
}

TEST_CASE("conv2d counts the im2col products' FLOPs whichever path computes them", "[core][conv]") {
    manual_seed(73);
    // Winograd (8 images, 3x3, 8 channels), direct (one channel), im2col (stride 2).
    for (const Conv2dDims& d :
         {make_conv2d_dims(8, 8, 6, 6, 4, 3, 3, 1, 1), make_conv2d_dims(2, 1, 6, 6, 4, 3, 3, 1, 1),
          make_conv2d_dims(2, 8, 6, 6, 4, 3, 3, 2, 1)}) {
        INFO("C=" << d.C << " S=" << d.S);
        const Tensor x = randn({d.B, d.C, d.H, d.W}), w = randn({d.OC, d.C, 3, 3}),
                     g = randn({d.B, d.OC, d.OH, d.OW});
        Tensor y = empty(g.shape()), dx = empty(x.shape()), dw = empty(w.shape());
        const std::uint64_t before = gemm_flop_count();
        conv2d_forward(y.data(), x.data(), w.data(), nullptr, d);
        CHECK(gemm_flop_count() - before == std::uint64_t(conv2d_product_flops(d)));
        conv2d_backward(dx.data(), dw.data(), nullptr, g.data(), x.data(), w.data(), d);
        CHECK(gemm_flop_count() - before == 3 * std::uint64_t(conv2d_product_flops(d)));
    }
}
