#pragma once
// Loss functions of the nn namespace.
#include "autograd/ops.h"

namespace nabla::nn {

using nabla::Reduction;

// Softmax cross-entropy of logits [N, C] against class indices [N] (stored as floats).
Tensor cross_entropy(const Tensor& logits, const Tensor& labels, Reduction reduction = Reduction::mean);
// Squared error, averaged (or summed) over every element.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);

}  // namespace nabla::nn
