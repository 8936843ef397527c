// The optimised kernels against their naive reference loops.
#include "core/blas.h"
#include "core/conv.h"
#include "core/elementwise.h"
#include "support/compare.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <limits>

using namespace nabla;
using nabla::test::all_close;

TEST_CASE("gemm matches gemm_reference for every transpose combination and odd sizes", "[core][gemm]") {
    manual_seed(3);
    struct Size {
        std::int64_t M, N, K;
    };
    for (const Size& s : {Size{1, 1, 1}, Size{3, 5, 7}, Size{17, 9, 33}, Size{64, 1, 13}, Size{1, 31, 5},
                          Size{1, 128, 3136}, Size{1, 7, 0}})
        for (bool ta : {false, true})
            for (bool tb : {false, true})
                for (float beta : {0.0f, 0.5f}) {
                    INFO("M=" << s.M << " N=" << s.N << " K=" << s.K << " ta=" << ta << " tb=" << tb
                              << " beta=" << beta);
                    const Tensor A = randn({s.M * s.K}), B = randn({s.K * s.N});
                    Tensor c1 = randn({s.M, s.N});
                    Tensor c2 = c1.clone();
                    gemm(ta, tb, s.M, s.N, s.K, 1.5f, A.data(), B.data(), beta, c1.data());
                    gemm_reference(ta, tb, s.M, s.N, s.K, 1.5f, A.data(), B.data(), beta, c2.data());
                    REQUIRE(all_close(c1, c2, 1e-4f));
                }
}

TEST_CASE("gemm of one row with beta 0 overwrites C, NaN included", "[core][gemm]") {
    manual_seed(4);
    for (bool tb : {false, true}) {
        INFO("tb=" << tb);
        const Tensor a = randn({5}), B = randn({5 * 3});
        Tensor c = full({1, 3}, std::numeric_limits<float>::quiet_NaN());
        Tensor ref = zeros({1, 3});
        gemm(false, tb, 1, 3, 5, 1.0f, a.data(), B.data(), 0.0f, c.data());
        gemm_reference(false, tb, 1, 3, 5, 1.0f, a.data(), B.data(), 0.0f, ref.data());
        REQUIRE(all_close(c, ref, 1e-5f));
    }
}

TEST_CASE("gemm_reference computes a hand-checked product", "[core][gemm]") {
    // [[1,2],[3,4]] x [[5,6],[7,8]] = [[19,22],[43,50]]
    const std::vector<float> a{1, 2, 3, 4}, b{5, 6, 7, 8};
    std::vector<float> c(4);
    gemm_reference(false, false, 2, 2, 2, 1.0f, a.data(), b.data(), 0.0f, c.data());
    REQUIRE(c == std::vector<float>{19, 22, 43, 50});
    gemm(true, false, 2, 2, 2, 1.0f, a.data(), b.data(), 0.0f, c.data());  // a^T b
    REQUIRE(c == std::vector<float>{26, 30, 38, 44});
}

TEST_CASE("conv2d_forward matches conv2d_reference", "[core][conv]") {
    manual_seed(5);
    struct Cfg {
        std::int64_t B, C, H, W, OC, KH, KW, S, P;
        bool bias;
    };
    for (const Cfg& c : {Cfg{1, 1, 5, 5, 1, 3, 3, 1, 0, false}, Cfg{2, 3, 7, 6, 4, 3, 3, 1, 1, true},
                         Cfg{2, 2, 9, 9, 3, 3, 3, 2, 1, true}, Cfg{1, 3, 8, 5, 2, 2, 3, 2, 0, false},
                         Cfg{3, 1, 4, 4, 5, 1, 1, 1, 0, true}, Cfg{1, 2, 5, 7, 2, 5, 5, 1, 2, true},
                         Cfg{2, 4, 11, 11, 3, 4, 4, 3, 1, false}}) {
        INFO("B=" << c.B << " C=" << c.C << " H=" << c.H << " W=" << c.W << " OC=" << c.OC << " K=" << c.KH
                  << "x" << c.KW << " S=" << c.S << " P=" << c.P);
        const Conv2dDims d = make_conv2d_dims(c.B, c.C, c.H, c.W, c.OC, c.KH, c.KW, c.S, c.P);
        const Tensor x = randn({c.B, c.C, c.H, c.W}), w = randn({c.OC, c.C, c.KH, c.KW}), b = randn({c.OC});
        Tensor fast = empty({d.B, d.OC, d.OH, d.OW}), ref = empty({d.B, d.OC, d.OH, d.OW});
        conv2d_forward(fast.data(), x.data(), w.data(), c.bias ? b.data() : nullptr, d);
        conv2d_reference(ref.data(), x.data(), w.data(), c.bias ? b.data() : nullptr, d);
        REQUIRE(all_close(fast, ref, 1e-4f));
    }
}

TEST_CASE("make_conv2d_dims computes the output size", "[core][conv]") {
    const Conv2dDims d = make_conv2d_dims(1, 1, 7, 6, 1, 3, 3, 2, 1);
    REQUIRE(d.OH == 4);
    REQUIRE(d.OW == 3);
    REQUIRE_THROWS_WITH(make_conv2d_dims(1, 1, 2, 2, 1, 5, 5, 1, 0), Catch::Contains("conv2d"));
}

namespace {
std::vector<Shape> shape_pair(std::initializer_list<std::int64_t> a, std::initializer_list<std::int64_t> b) {
    return {Shape(a), Shape(b)};
}
}  // namespace

TEST_CASE("binary_forward matches binary_reference on many broadcast shape pairs", "[core][broadcast]") {
    manual_seed(9);
    const std::vector<std::vector<Shape>> pairs{shape_pair({5}, {5}),
                                                shape_pair({4, 3}, {3}),
                                                shape_pair({3}, {4, 3}),
                                                shape_pair({4, 3}, {4, 1}),
                                                shape_pair({4, 1}, {1, 3}),
                                                shape_pair({}, {2, 3}),
                                                shape_pair({2, 3}, {}),
                                                shape_pair({}, {}),
                                                shape_pair({2, 3, 4, 5}, {1, 3, 1, 1}),
                                                shape_pair({2, 3, 4, 5}, {3, 1, 1}),
                                                shape_pair({2, 1, 4}, {2, 3, 1}),
                                                shape_pair({6, 1, 1, 7}, {5, 1}),
                                                shape_pair({3, 1, 5}, {3, 4, 5}),
                                                shape_pair({1, 1, 1}, {2, 2, 2}),
                                                shape_pair({2, 3, 4}, {2, 1, 4}),
                                                shape_pair({1, 4, 1, 3}, {2, 1, 5, 3}),
                                                shape_pair({7, 1}, {1}),
                                                shape_pair({0, 3}, {3}),
                                                shape_pair({2, 1, 3, 1, 2}, {1, 4, 1, 5, 2})};
    for (const auto& p : pairs) {
        const Shape os = broadcast_shapes(p[0], p[1], "test");
        const Tensor a = rand(p[0], 0.5f, 2.0f), b = rand(p[1], 0.5f, 2.0f);
        for (BinaryOp op : {BinaryOp::add, BinaryOp::sub, BinaryOp::mul, BinaryOp::div}) {
            INFO(fmt::format("{} {} {}", p[0], op_name(op), p[1]));
            Tensor fast = empty(os), ref = empty(os);
            binary_forward(op, fast.data(), os, a.data(), p[0], b.data(), p[1]);
            binary_reference(op, ref.data(), os, a.data(), p[0], b.data(), p[1]);
            REQUIRE(fast.to_vector() == ref.to_vector());
        }
    }
}

namespace {
// out[os] = sum over the broadcast dimensions of in[is], one multi-index at a time.
std::vector<float> naive_sum_to_shape(const Shape& os, const Tensor& in) {
    const Shape& is = in.shape();
    std::vector<double> acc(static_cast<size_t>(os.numel()), 0.0);
    const std::int64_t lead = is.ndim() - os.ndim();
    for (std::int64_t i = 0; i < is.numel(); ++i) {
        std::int64_t rem = i, off = 0, stride = 1;
        for (std::int64_t d = is.ndim() - 1; d >= 0; --d) {
            const std::int64_t idx = rem % is[d];
            rem /= is[d];
            const std::int64_t k = d - lead;
            if (k < 0) continue;
            if (os[k] != 1) off += idx * stride;
            stride *= os[k];
        }
        acc[size_t(off)] += in.data()[i];
    }
    return std::vector<float>(acc.begin(), acc.end());
}
}  // namespace

TEST_CASE("sum_to_shape matches a naive loop", "[core][broadcast]") {
    manual_seed(11);
    const std::vector<std::vector<Shape>> pairs{shape_pair({4, 3}, {3}),
                                                shape_pair({4, 3}, {4, 1}),
                                                shape_pair({4, 3}, {}),
                                                shape_pair({4, 3}, {1, 1}),
                                                shape_pair({2, 3, 4, 5}, {1, 3, 1, 1}),
                                                shape_pair({2, 3, 4, 5}, {3, 1, 1}),
                                                shape_pair({2, 3, 4, 5}, {2, 1, 4, 1}),
                                                shape_pair({5, 6, 7}, {5, 6, 7}),
                                                shape_pair({5, 6, 7}, {6, 1}),
                                                shape_pair({3, 1, 4}, {1, 1, 4}),
                                                shape_pair({2, 5, 3, 1}, {5, 1, 1}),
                                                shape_pair({}, {})};
    for (const auto& p : pairs) {
        INFO(fmt::format("{} -> {}", p[0], p[1]));
        const Tensor in = randn(p[0]);
        Tensor out = full(p[1], 123.0f);  // sum_to_shape must overwrite, not add
        sum_to_shape(out.data(), p[1], in.data(), p[0]);
        REQUIRE(all_close(out.to_vector(), naive_sum_to_shape(p[1], in), 1e-5f));
    }
}

TEST_CASE("max_to_shape finds the maximum and its first index", "[core][broadcast]") {
    const Tensor in = from_vector({1, 5, 5, 2, 0, -1}, {2, 3});
    std::vector<float> out(2);
    std::vector<std::int64_t> idx(2);
    max_to_shape(out.data(), idx.data(), {2, 1}, in.data(), in.shape());
    REQUIRE(out == std::vector<float>{5, 2});
    REQUIRE(idx == std::vector<std::int64_t>{1, 3});
}

TEST_CASE("binary_forward and sum_to_shape match the references on random broadcast shapes",
          "[core][broadcast]") {
    // 300 seeded random pairs: rank 0-5, sizes 1-4, each dimension of either operand
    // independently set to 1 or dropped from the front.
    Generator g(77);
    auto pick = [&](int n) { return static_cast<int>(g() % static_cast<std::uint64_t>(n)); };
    for (int trial = 0; trial < 300; ++trial) {
        const int rank = pick(6);
        std::vector<std::int64_t> full_dims, a_dims, b_dims;
        for (int d = 0; d < rank; ++d) full_dims.push_back(1 + pick(4));
        const int a_drop = pick(rank + 1), b_drop = pick(rank + 1);
        for (int d = 0; d < rank; ++d) {
            if (d >= a_drop) a_dims.push_back(pick(3) == 0 ? 1 : full_dims[size_t(d)]);
            if (d >= b_drop) b_dims.push_back(pick(3) == 0 ? 1 : full_dims[size_t(d)]);
        }
        const Shape as(a_dims), bs(b_dims);
        const Shape os = broadcast_shapes(as, bs, "test");
        INFO(fmt::format("{} and {}", as, bs));
        const Tensor a = rand(as, 0.5f, 2.0f), b = rand(bs, 0.5f, 2.0f);
        const BinaryOp op = static_cast<BinaryOp>(pick(4));
        Tensor fast = empty(os), ref = empty(os);
        binary_forward(op, fast.data(), os, a.data(), as, b.data(), bs);
        binary_reference(op, ref.data(), os, a.data(), as, b.data(), bs);
        REQUIRE(fast.to_vector() == ref.to_vector());
        Tensor reduced = empty(as);
        sum_to_shape(reduced.data(), as, fast.data(), os);
        REQUIRE(all_close(reduced.to_vector(), naive_sum_to_shape(as, fast), 1e-5f));
    }
}

TEST_CASE("max_to_shape matches a naive loop on random reductions", "[core][broadcast]") {
    Generator g(78);
    auto pick = [&](int n) { return static_cast<int>(g() % static_cast<std::uint64_t>(n)); };
    for (int trial = 0; trial < 200; ++trial) {
        const int rank = 1 + pick(4);
        std::vector<std::int64_t> in_dims, out_dims;
        for (int d = 0; d < rank; ++d) {
            in_dims.push_back(1 + pick(5));
            out_dims.push_back(pick(2) == 0 ? 1 : in_dims.back());
        }
        const Shape is(in_dims), os(out_dims);
        INFO(fmt::format("{} -> {}", is, os));
        const Tensor in = randn(is);
        std::vector<float> out(static_cast<size_t>(os.numel()));
        std::vector<std::int64_t> idx(static_cast<size_t>(os.numel()));
        max_to_shape(out.data(), idx.data(), os, in.data(), is);
        // Naive: each input element against its output slot, first maximum wins.
        std::vector<float> want(out.size(), -INFINITY);
        std::vector<std::int64_t> want_idx(out.size(), -1);
        for (std::int64_t i = 0; i < is.numel(); ++i) {
            std::int64_t rem = i, off = 0, stride = 1;
            for (std::int64_t d = is.ndim() - 1; d >= 0; --d) {
                const std::int64_t k = rem % is[d];
                rem /= is[d];
                if (os[d] != 1) off += k * stride;
                stride *= os[d];
            }
            if (want_idx[size_t(off)] < 0 || in.data()[i] > want[size_t(off)]) {
                want[size_t(off)] = in.data()[i];
                want_idx[size_t(off)] = i;
            }
        }
        REQUIRE(out == want);
        REQUIRE(idx == want_idx);
    }
}
