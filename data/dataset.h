#pragma once
// Dataset: anything that can hand out a batch of examples by index. The loader
// works with any implementation.
#include "core/tensor.h"

#include <cstdint>
#include <span>

namespace nabla::data {

// One batch: inputs x [B, ...] and targets y [B] (class indices stored as floats).
struct Batch {
    Tensor x;
    Tensor y;
};

class Dataset {
public:
    virtual ~Dataset() = default;
    virtual std::int64_t size() const = 0;
    // Examples at `indices`, in that order; each index is in [0, size()).
    virtual Batch get_batch(std::span<const std::int64_t> indices) const = 0;
};

// A dataset over two in-memory tensors x [N, ...] and y [N].
class TensorDataset : public Dataset {
public:
    TensorDataset(Tensor x, Tensor y);
    std::int64_t size() const override { return x_.size(0); }
    Batch get_batch(std::span<const std::int64_t> indices) const override;

private:
    Tensor x_, y_;
};

}  // namespace nabla::data
