// im2col/col2im, max pooling and softmax kernels against direct definitions.
#include "core/conv.h"
#include "core/pool.h"
#include "core/softmax.h"
#include "support/compare.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace nabla;
using nabla::test::all_close;

TEST_CASE("col2im_add is the adjoint of im2col", "[core][conv]") {
    // <im2col(x), c> == <x, col2im(c)> for every stride, padding and odd size.
    manual_seed(500);
    struct Cfg {
        std::int64_t C, H, W, K, S, P;
    };
    for (const Cfg& c :
         {Cfg{1, 5, 5, 3, 1, 0}, Cfg{2, 7, 6, 3, 2, 1}, Cfg{3, 4, 9, 2, 3, 1}, Cfg{1, 3, 3, 3, 1, 2}}) {
        INFO("C=" << c.C << " H=" << c.H << " W=" << c.W << " K=" << c.K << " S=" << c.S << " P=" << c.P);
        const Conv2dDims d = make_conv2d_dims(1, c.C, c.H, c.W, 1, c.K, c.K, c.S, c.P);
        const Tensor x = randn({c.C, c.H, c.W}), col_in = randn({d.col_size()});
        Tensor col = empty({d.col_size()});
        im2col(col.data(), x.data(), d);
        Tensor back = zeros({c.C, c.H, c.W});
        col2im_add(back.data(), col_in.data(), d);
        double lhs = 0.0, rhs = 0.0;
        for (std::int64_t i = 0; i < d.col_size(); ++i) lhs += double(col.data()[i]) * col_in.data()[i];
        for (std::int64_t i = 0; i < x.numel(); ++i) rhs += double(x.data()[i]) * back.data()[i];
        REQUIRE(lhs == Approx(rhs).epsilon(1e-5));
    }
}

TEST_CASE("im2col and col2im_add match their direct definitions, rows wider than a vector included",
          "[core][conv]") {
    // Widths around the 16-float chunks of the AVX-512 path, paddings 0 to 2, stride 1 and 2.
    manual_seed(502);
    struct Cfg {
        std::int64_t C, H, W, K, S, P;
    };
    for (const Cfg& c : {Cfg{2, 5, 5, 3, 1, 1}, Cfg{1, 4, 15, 3, 1, 0}, Cfg{3, 6, 16, 3, 1, 1},
                         Cfg{1, 3, 17, 2, 1, 2}, Cfg{2, 7, 40, 5, 1, 2}, Cfg{1, 9, 33, 3, 2, 1}}) {
        INFO("C=" << c.C << " H=" << c.H << " W=" << c.W << " K=" << c.K << " S=" << c.S << " P=" << c.P);
        const Conv2dDims d = make_conv2d_dims(1, c.C, c.H, c.W, 1, c.K, c.K, c.S, c.P);
        const Tensor x = randn({c.C, c.H, c.W}), col_in = randn({d.col_size()});
        Tensor col = full({d.col_size()}, std::numeric_limits<float>::quiet_NaN());
        im2col(col.data(), x.data(), d);
        Tensor back = randn({c.C, c.H, c.W});
        Tensor expect_back = back.clone();
        col2im_add(back.data(), col_in.data(), d);
        const std::int64_t N = d.OH * d.OW;
        for (std::int64_t ch = 0; ch < c.C; ++ch)
            for (std::int64_t kh = 0; kh < c.K; ++kh)
                for (std::int64_t kw = 0; kw < c.K; ++kw)
                    for (std::int64_t oh = 0; oh < d.OH; ++oh)
                        for (std::int64_t ow = 0; ow < d.OW; ++ow) {
                            const std::int64_t r = (ch * c.K + kh) * c.K + kw, ih = oh * c.S - c.P + kh,
                                               iw = ow * c.S - c.P + kw;
                            const bool inside = ih >= 0 && ih < c.H && iw >= 0 && iw < c.W;
                            const std::int64_t at = (ch * c.H + ih) * c.W + iw;
                            REQUIRE(col.data()[r * N + oh * d.OW + ow] == (inside ? x.data()[at] : 0.0f));
                            if (inside) expect_back.data()[at] += col_in.data()[r * N + oh * d.OW + ow];
                        }
        // The same additions in the same order: the same bits.
        REQUIRE(std::equal(back.data(), back.data() + back.numel(), expect_back.data()));
    }
}

TEST_CASE("max_pool2d_forward matches a direct window maximum", "[core][pool]") {
    manual_seed(501);
    struct Cfg {
        std::int64_t B, C, H, W, K, S, P;
    };
    for (const Cfg& c : {Cfg{1, 1, 4, 4, 2, 2, 0}, Cfg{2, 3, 7, 5, 3, 2, 1}, Cfg{1, 2, 6, 6, 3, 1, 1},
                         Cfg{2, 1, 5, 8, 2, 3, 1}, Cfg{1, 1, 9, 9, 4, 2, 2}}) {
        INFO("B=" << c.B << " C=" << c.C << " H=" << c.H << " W=" << c.W << " K=" << c.K << " S=" << c.S
                  << " P=" << c.P);
        const Pool2dDims d = make_pool2d_dims(c.B, c.C, c.H, c.W, c.K, c.S, c.P);
        const Tensor x = randn({c.B, c.C, c.H, c.W});
        std::vector<float> out(static_cast<size_t>(c.B * c.C * d.OH * d.OW));
        std::vector<std::int32_t> arg(out.size());
        max_pool2d_forward(out.data(), arg.data(), x.data(), d);
        for (std::int64_t bc = 0; bc < c.B * c.C; ++bc)
            for (std::int64_t oh = 0; oh < d.OH; ++oh)
                for (std::int64_t ow = 0; ow < d.OW; ++ow) {
                    float best = -std::numeric_limits<float>::infinity();
                    for (std::int64_t ih = oh * c.S - c.P; ih < oh * c.S - c.P + c.K; ++ih)
                        for (std::int64_t iw = ow * c.S - c.P; iw < ow * c.S - c.P + c.K; ++iw)
                            if (ih >= 0 && ih < c.H && iw >= 0 && iw < c.W)
                                best = std::max(best, x.data()[(bc * c.H + ih) * c.W + iw]);
                    const auto o = size_t((bc * d.OH + oh) * d.OW + ow);
                    REQUIRE(out[o] == best);
                    REQUIRE(x.data()[bc * c.H * c.W + arg[o]] == best);
                }
    }
}

TEST_CASE("the 2x2 max pool keeps the first maximum of each window and lets a NaN win, at every width",
          "[core][pool]") {
    // Values after a ReLU tie often; widths around the AVX-512 path's 16 and 32 columns.
    manual_seed(503);
    for (std::int64_t W : {4, 7, 14, 15, 28, 31, 32, 34}) {
        INFO("W=" << W);
        const std::int64_t H = 6;
        const Pool2dDims d = make_pool2d_dims(2, 3, H, W, 2, 2, 0);
        Tensor x = randn({2, 3, H, W});
        float* v = x.data();
        for (std::int64_t i = 0; i < x.numel(); ++i) v[i] = v[i] < 0.0f ? 0.0f : std::round(v[i] * 2.0f);
        for (std::int64_t i = 5; i < x.numel(); i += 37) v[i] = std::numeric_limits<float>::quiet_NaN();
        std::vector<float> out(static_cast<size_t>(6 * d.OH * d.OW));
        std::vector<std::int32_t> arg(out.size());
        max_pool2d_forward(out.data(), arg.data(), v, d);
        for (std::int64_t bc = 0; bc < 6; ++bc)
            for (std::int64_t oh = 0; oh < d.OH; ++oh)
                for (std::int64_t ow = 0; ow < d.OW; ++ow) {
                    const std::int64_t i0 = 2 * oh * W + 2 * ow;
                    std::int64_t best = i0;  // window order: top-left, top-right, bottom-left, bottom-right
                    for (std::int64_t i : {i0 + 1, i0 + W, i0 + W + 1}) {
                        const float b = v[bc * H * W + best], c = v[bc * H * W + i];
                        if (!std::isnan(b) && (c > b || std::isnan(c))) best = i;
                    }
                    const auto o = size_t((bc * d.OH + oh) * d.OW + ow);
                    REQUIRE(arg[o] == best);
                    const float expect = v[bc * H * W + best];
                    REQUIRE((std::isnan(expect) ? std::isnan(out[o]) : out[o] == expect));
                }
    }
}

TEST_CASE("the 2x2 max pool's backward puts each gradient at its maximum, zero elsewhere, at every width",
          "[core][pool]") {
    // Widths around the forward's AVX-512 limits (its argmax feeds this), an odd height (the
    // last row is in no window) and a -0 gradient: clearing and then adding gives 0 + -0 = +0.
    manual_seed(504);
    for (std::int64_t W : {4, 7, 14, 15, 28, 31, 32, 34})
        for (std::int64_t H : {5, 6}) {
            INFO("W=" << W << " H=" << H);
            const Pool2dDims d = make_pool2d_dims(2, 3, H, W, 2, 2, 0);
            const Tensor x = randn({2, 3, H, W});
            Tensor g = randn({2, 3, d.OH, d.OW});
            g.data()[0] = -0.0f;
            std::vector<float> out(static_cast<size_t>(g.numel()));
            std::vector<std::int32_t> arg(out.size());
            max_pool2d_forward(out.data(), arg.data(), x.data(), d);
            std::vector<float> dx(static_cast<size_t>(x.numel()), 1.0f), want(dx.size(), 0.0f);
            max_pool2d_backward(dx.data(), g.data(), arg.data(), d);
            for (std::int64_t bc = 0; bc < 6; ++bc)
                for (std::int64_t o = 0; o < d.OH * d.OW; ++o)
                    want[size_t(bc * H * W + arg[size_t(bc * d.OH * d.OW + o)])] +=
                        g.data()[bc * d.OH * d.OW + o];
            REQUIRE(std::memcmp(dx.data(), want.data(), dx.size() * sizeof(float)) == 0);
        }
}

TEST_CASE("softmax kernels match the definitions computed in double", "[core][softmax]") {
    manual_seed(502);
    const std::int64_t N = 7, C = 11;
    const Tensor x = randn({N, C}, 0.0f, 5.0f);
    std::vector<std::int64_t> labels(static_cast<size_t>(N));
    for (std::int64_t n = 0; n < N; ++n) labels[size_t(n)] = (n * 3) % C;
    std::vector<float> y(static_cast<size_t>(N * C)), probs(y.size()), losses(static_cast<size_t>(N));
    log_softmax_forward(y.data(), x.data(), N, C);
    cross_entropy_forward(losses.data(), probs.data(), x.data(), labels.data(), N, C);
    for (std::int64_t n = 0; n < N; ++n) {
        double s = 0.0;
        for (std::int64_t c = 0; c < C; ++c) s += std::exp(double(x.data()[n * C + c]));
        for (std::int64_t c = 0; c < C; ++c) {
            const double want = double(x.data()[n * C + c]) - std::log(s);
            REQUIRE(y[size_t(n * C + c)] == Approx(want).margin(1e-5));
            REQUIRE(probs[size_t(n * C + c)] == Approx(std::exp(want)).margin(1e-6));
        }
        REQUIRE(losses[size_t(n)] == Approx(-y[size_t(n * C + labels[size_t(n)])]).margin(1e-5));
    }
}
