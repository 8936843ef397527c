// Shape ops that copy: transpose (two dimensions swapped) and cat (tensors joined along
// one dimension). Both are pure data movement, so each backward is the same movement
// run the other way: transpose's is a transpose, cat's slices grad_out back apart.
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "autograd/trace.h"
#include "core/error.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace nabla {

namespace {

// x viewed as [A, N0, B, N1, C] (N0, N1 the swapped dimensions) -> out [A, N1, B, N0, C].
struct TransposeDims {
    std::int64_t A, N0, B, N1, C;
};

TransposeDims transpose_dims(const Shape& s, std::int64_t d0, std::int64_t d1) {
    auto prod = [&](std::int64_t lo, std::int64_t hi) {
        std::int64_t p = 1;
        for (std::int64_t i = lo; i < hi; ++i) p *= s[i];
        return p;
    };
    return {prod(0, d0), s[d0], prod(d0 + 1, d1), s[d1], prod(d1 + 1, s.ndim())};
}

void transpose_copy(float* out, const float* in, const TransposeDims& t) {
    for (std::int64_t a = 0; a < t.A; ++a)
        for (std::int64_t i1 = 0; i1 < t.N1; ++i1)
            for (std::int64_t b = 0; b < t.B; ++b)
                for (std::int64_t i0 = 0; i0 < t.N0; ++i0) {
                    const float* src = in + (((a * t.N0 + i0) * t.B + b) * t.N1 + i1) * t.C;
                    float* dst = out + (((a * t.N1 + i1) * t.B + b) * t.N0 + i0) * t.C;
                    std::copy_n(src, t.C, dst);
                }
}

// Tensor k of a cat as [outer, width] inside the result [outer, total], at column offset.
struct Block {
    std::int64_t outer, total, offset, width;
};

void scatter_block(float* whole, const float* part, const Block& b) {
    for (std::int64_t o = 0; o < b.outer; ++o)
        std::copy_n(part + o * b.width, b.width, whole + o * b.total + b.offset);
}

void gather_block(float* part, const float* whole, const Block& b) {
    for (std::int64_t o = 0; o < b.outer; ++o)
        std::copy_n(whole + o * b.total + b.offset, b.width, part + o * b.width);
}

}  // namespace

Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1) {
    NABLA_CHECK(x.defined(), "transpose", "undefined operand");
    std::int64_t d0 = x.shape().wrap_dim(dim0, "transpose"), d1 = x.shape().wrap_dim(dim1, "transpose");
    if (d0 == d1) return x.reshape(x.shape());  // nothing moves: a view, as in PyTorch
    if (d0 > d1) std::swap(d0, d1);
    std::vector<std::int64_t> dims = x.shape().dims();
    std::swap(dims[size_t(d0)], dims[size_t(d1)]);
    Tensor out = empty(Shape(dims));
    const TransposeDims t = transpose_dims(x.shape(), d0, d1);
    transpose_copy(out.data(), x.data(), t);
    if (needs_grad({&x}))
        record("transpose", {&x}, out, [from = x.shape(), t](const Tensor& g, const GradMask&) {
            // g is [A, N1, B, N0, C]: transposing it back is the same copy with N0 and N1 exchanged.
            Tensor dx = empty(from);
            transpose_copy(dx.data(), g.data(), {t.A, t.N1, t.B, t.N0, t.C});
            return std::vector<Tensor>{dx};
        });
    if (is_tracing()) [[unlikely]]
        trace_op("transpose", {&x}, out, {{"dims", {double(d0), double(d1)}}});
    return out;
}

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim) {
    NABLA_CHECK(!tensors.empty(), "cat", "needs at least one tensor");
    NABLA_CHECK(tensors.size() <= GradMask::max_inputs, "cat", "{} tensors, at most {} in one cat",
                tensors.size(), GradMask::max_inputs);
    for (size_t k = 0; k < tensors.size(); ++k)
        NABLA_CHECK(tensors[k].defined(), "cat", "tensor {} is undefined", k);
    const Shape& first = tensors[0].shape();
    const std::int64_t d = first.wrap_dim(dim, "cat");
    std::int64_t joined = 0;
    for (size_t k = 0; k < tensors.size(); ++k) {
        const Shape& s = tensors[k].shape();
        bool same = s.ndim() == first.ndim();
        for (std::int64_t i = 0; same && i < s.ndim(); ++i) same = i == d || s[i] == first[i];
        NABLA_CHECK(same, "cat",
                    "tensor {} has shape {}, but tensor 0 has {}: all sizes but dimension {} must agree", k,
                    s, first, d);
        joined += s[d];
    }
    std::vector<std::int64_t> dims = first.dims();
    dims[size_t(d)] = joined;
    const Shape out_shape(dims);
    // Each tensor as [outer, width_k] with width_k = size(d) * inner; out as [outer, total].
    const std::int64_t outer =
        std::accumulate(dims.begin(), dims.begin() + d, std::int64_t{1}, std::multiplies<>());
    const std::int64_t inner =
        std::accumulate(dims.begin() + d + 1, dims.end(), std::int64_t{1}, std::multiplies<>());
    std::vector<Block> blocks;
    std::int64_t total = 0;
    for (const Tensor& t : tensors) {
        blocks.push_back({outer, 0, total, t.shape()[d] * inner});
        total += blocks.back().width;
    }
    for (Block& b : blocks) b.total = total;
    Tensor out = empty(out_shape);
    for (size_t k = 0; k < tensors.size(); ++k) scatter_block(out.data(), tensors[k].data(), blocks[k]);

    std::vector<const Tensor*> inputs;
    for (const Tensor& t : tensors) inputs.push_back(&t);
    if (needs_grad(inputs)) {
        std::vector<Shape> shapes;
        for (const Tensor& t : tensors) shapes.push_back(t.shape());
        record("cat", inputs, out, [shapes, blocks](const Tensor& g, const GradMask& wants) {
            std::vector<Tensor> grads(shapes.size());
            for (size_t k = 0; k < shapes.size(); ++k) {
                if (!wants[k]) continue;
                grads[k] = empty(shapes[k]);
                gather_block(grads[k].data(), g.data(), blocks[k]);
            }
            return grads;
        });
    }
    if (is_tracing()) [[unlikely]]
        trace_op("cat", inputs, out, {{"dim", {double(d)}}});
    return out;
}

}  // namespace nabla
