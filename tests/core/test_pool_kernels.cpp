// Average pooling kernels (the threaded one with its 2x2 fast path) against the
// single-threaded references written from the definition.
#include "core/pool.h"
#include "support/compare.h"
#include "support/gradcheck.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <vector>

using namespace nabla;

namespace {
struct Cfg {
    std::int64_t B, C, H, W, K, S, P;
};
}  // namespace

TEST_CASE("avg_pool2d kernels match their references bit for bit", "[core][pool][avg_pool]") {
    manual_seed(502);
    for (const bool count_pad : {true, false})
        for (const Cfg& c : {Cfg{2, 3, 4, 4, 2, 2, 0}, Cfg{1, 2, 7, 9, 2, 2, 0}, Cfg{2, 3, 7, 5, 3, 2, 1},
                             Cfg{1, 2, 6, 6, 3, 1, 1}, Cfg{2, 1, 5, 8, 2, 3, 1}, Cfg{1, 1, 9, 9, 4, 2, 2}}) {
            INFO("B=" << c.B << " C=" << c.C << " H=" << c.H << " W=" << c.W << " K=" << c.K << " S=" << c.S
                      << " P=" << c.P << " count_include_pad=" << count_pad);
            const Pool2dDims d = make_pool2d_dims(c.B, c.C, c.H, c.W, c.K, c.S, c.P, "avg_pool2d");
            const Tensor x = randn({c.B, c.C, c.H, c.W});
            const Tensor dout = randn({c.B, c.C, d.OH, d.OW});
            Tensor out = empty(dout.shape()), want = empty(dout.shape());
            avg_pool2d_forward(out.data(), x.data(), d, count_pad);
            avg_pool2d_forward_reference(want.data(), x.data(), d, count_pad);
            REQUIRE(out.to_vector() == want.to_vector());
            Tensor dx = full(x.shape(), 7.0f), dx_want = full(x.shape(), -7.0f);  // overwritten entirely
            avg_pool2d_backward(dx.data(), dout.data(), d, count_pad);
            avg_pool2d_backward_reference(dx_want.data(), dout.data(), d, count_pad);
            REQUIRE(dx.to_vector() == dx_want.to_vector());
        }
}

TEST_CASE("avg_pool2d backward is the adjoint of its forward", "[core][pool][avg_pool]") {
    // <avg(x), g> == <x, avg_backward(g)> for any x and g, padding counted or not.
    manual_seed(503);
    for (const bool count_pad : {true, false}) {
        const Pool2dDims d = make_pool2d_dims(2, 2, 7, 6, 3, 2, 1, "avg_pool2d");
        const Tensor x = randn({2, 2, 7, 6}), g = randn({2, 2, d.OH, d.OW});
        Tensor y = empty(g.shape()), back = empty(x.shape());
        avg_pool2d_forward(y.data(), x.data(), d, count_pad);
        avg_pool2d_backward(back.data(), g.data(), d, count_pad);
        double lhs = 0, rhs = 0;
        for (std::int64_t i = 0; i < y.numel(); ++i) lhs += double(y.data()[i]) * g.data()[i];
        for (std::int64_t i = 0; i < x.numel(); ++i) rhs += double(x.data()[i]) * back.data()[i];
        REQUIRE(lhs == Approx(rhs).epsilon(1e-5));
    }
}

TEST_CASE("avg_pool2d reference divides by the window or by its real inputs", "[core][pool][avg_pool]") {
    // 2x2 input of ones, 2x2 window, stride 1, padding 1: 3x3 outputs whose windows hold
    // 1 (corners), 2 (edges) or 4 (centre) real inputs.
    const Pool2dDims d = make_pool2d_dims(1, 1, 2, 2, 2, 1, 1, "avg_pool2d");
    const Tensor x = ones({1, 1, 2, 2});
    Tensor y = empty({1, 1, 3, 3});
    avg_pool2d_forward_reference(y.data(), x.data(), d, true);
    REQUIRE(y.to_vector() == std::vector<float>{0.25f, 0.5f, 0.25f, 0.5f, 1, 0.5f, 0.25f, 0.5f, 0.25f});
    avg_pool2d_forward_reference(y.data(), x.data(), d, false);
    REQUIRE(y.to_vector() == std::vector<float>(9, 1.0f));
}
