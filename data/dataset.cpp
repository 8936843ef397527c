#include "data/dataset.h"

#include "core/error.h"

#include <algorithm>

namespace nabla::data {

TensorDataset::TensorDataset(Tensor x, Tensor y) : x_(std::move(x)), y_(std::move(y)) {
    NABLA_CHECK(x_.defined() && y_.defined() && x_.dim() >= 1 && y_.dim() == 1 && x_.size(0) == y_.size(0),
                "TensorDataset", "needs x [N, ...] and y [N], got x {} and y {}",
                x_.defined() ? x_.shape().str() : "?", y_.defined() ? y_.shape().str() : "?");
}

Batch TensorDataset::get_batch(std::span<const std::int64_t> indices) const {
    std::vector<std::int64_t> dims = x_.shape().dims();
    const std::int64_t row = x_.numel() / std::max<std::int64_t>(x_.size(0), 1);
    dims[0] = std::ssize(indices);
    Batch b{empty(Shape(dims)), empty({std::ssize(indices)})};
    for (std::int64_t i = 0; i < std::ssize(indices); ++i) {
        const std::int64_t k = indices[size_t(i)];
        NABLA_CHECK(k >= 0 && k < size(), "TensorDataset", "index {} out of range [0, {})", k, size());
        std::copy_n(x_.data() + k * row, row, b.x.data() + i * row);
        b.y.data()[i] = y_.data()[k];
    }
    return b;
}

}  // namespace nabla::data
