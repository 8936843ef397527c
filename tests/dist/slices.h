#pragma once
// Cutting a whole batch into the ranks' shares, for comparing a distributed computation
// with the same computation on the whole batch in one process.
#include <nabla.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace nabla::test {

// Rows [begin, end) of dimension 0, as a new leaf.
inline Tensor rows(const Tensor& t, std::int64_t begin, std::int64_t end) {
    const std::int64_t per_row = t.size(0) ? t.numel() / t.size(0) : 0;
    std::vector<std::int64_t> dims = t.shape().dims();
    dims[0] = end - begin;
    std::vector<float> v(t.data() + begin * per_row, t.data() + end * per_row);
    return from_vector(v, Shape(dims));
}

// This rank's contiguous share of the N rows: rank r of W takes [r N / W, (r + 1) N / W).
inline Tensor my_rows(const Tensor& t) {
    const std::int64_t N = t.size(0), r = dist::rank(), W = dist::world_size();
    return rows(t, r * N / W, (r + 1) * N / W);
}

}  // namespace nabla::test
