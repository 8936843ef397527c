#pragma once
// Strided iteration behind every broadcasting kernel.
//
// A BroadcastPlan walks the elements of a contiguous "iteration" shape and, for each,
// gives the matching offset in up to two operands whose strides are 0 along broadcast
// dimensions. Adjacent dimensions that are contiguous in every operand are merged, so
// [N,C,H,W] * [1,C,1,1] runs as N*C inner loops of H*W elements.
#include "core/shape.h"

#include <cstdint>
#include <vector>

namespace nabla {

struct BroadcastPlan {
    std::vector<std::int64_t> sizes;      // merged dimensions, outermost first
    std::vector<std::int64_t> a_strides;  // per merged dimension
    std::vector<std::int64_t> b_strides;
    std::int64_t numel = 1;
};

// `iter` is the shape iterated; `a` and `b` must broadcast to it (checked by callers).
BroadcastPlan make_broadcast_plan(const Shape& iter, const Shape& a, const Shape& b);

// Calls inner(i_off, a_off, b_off, n, a_step, b_step) once per innermost run of n elements;
// i_off indexes the contiguous iteration space.
template <class Inner>
void for_each_run(const BroadcastPlan& p, Inner&& inner) {
    const auto nd = static_cast<std::int64_t>(p.sizes.size());
    if (p.numel == 0) return;
    if (nd == 0) {
        inner(std::int64_t{0}, std::int64_t{0}, std::int64_t{0}, std::int64_t{1}, std::int64_t{0},
              std::int64_t{0});
        return;
    }
    const std::int64_t n = p.sizes[size_t(nd - 1)];
    const std::int64_t as = p.a_strides[size_t(nd - 1)], bs = p.b_strides[size_t(nd - 1)];
    std::vector<std::int64_t> idx(size_t(nd), 0);
    std::int64_t a_off = 0, b_off = 0;
    for (std::int64_t i_off = 0; i_off < p.numel; i_off += n) {
        inner(i_off, a_off, b_off, n, as, bs);
        for (std::int64_t d = nd - 2; d >= 0; --d) {  // odometer over outer dimensions
            const auto k = size_t(d);
            if (++idx[k] < p.sizes[k]) {
                a_off += p.a_strides[k];
                b_off += p.b_strides[k];
                break;
            }
            a_off -= p.a_strides[k] * (p.sizes[k] - 1);
            b_off -= p.b_strides[k] * (p.sizes[k] - 1);
            idx[k] = 0;
        }
    }
}

}  // namespace nabla
