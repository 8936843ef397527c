#include "core/broadcast.h"

namespace nabla {

namespace {
// Strides of `s` seen from an `nd`-dimensional iteration shape: 0 where broadcast.
std::vector<std::int64_t> aligned_strides(const Shape& iter, const Shape& s) {
    const std::int64_t nd = iter.ndim(), lead = nd - s.ndim();
    std::vector<std::int64_t> out(size_t(nd), 0);
    const auto st = s.strides();
    for (std::int64_t d = lead; d < nd; ++d)
        out[size_t(d)] = s[d - lead] == 1 && iter[d] != 1 ? 0 : st[size_t(d - lead)];
    return out;
}
}  // namespace

BroadcastPlan make_broadcast_plan(const Shape& iter, const Shape& a, const Shape& b) {
    BroadcastPlan p;
    p.numel = iter.numel();
    const auto as = aligned_strides(iter, a), bs = aligned_strides(iter, b);
    for (std::int64_t d = 0; d < iter.ndim(); ++d) {
        const auto k = size_t(d);
        if (iter[d] == 1) continue;  // size-1 dimensions never move an offset
        if (!p.sizes.empty()) {
            auto& n = p.sizes.back();
            // Merge with the previous dimension when both operands step contiguously across it.
            if (p.a_strides.back() == as[k] * iter[d] && p.b_strides.back() == bs[k] * iter[d]) {
                n *= iter[d];
                p.a_strides.back() = as[k];
                p.b_strides.back() = bs[k];
                continue;
            }
        }
        p.sizes.push_back(iter[d]);
        p.a_strides.push_back(as[k]);
        p.b_strides.push_back(bs[k]);
    }
    if (p.sizes.empty() && p.numel == 1) {  // all dimensions of size 1
        p.sizes.push_back(1);
        p.a_strides.push_back(0);
        p.b_strides.push_back(0);
    }
    return p;
}

}  // namespace nabla
