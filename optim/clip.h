#pragma once
// Gradient clipping by global norm.
#include "core/tensor.h"

#include <vector>

namespace nabla::optim {

// Scales every gradient by max_norm / total_norm when the L2 norm over all of them
// exceeds max_norm; returns the norm before clipping. Parameters without a gradient
// are skipped. A non-finite norm is returned as is and nothing is scaled.
double clip_grad_norm(const std::vector<Tensor>& parameters, double max_norm);

}  // namespace nabla::optim
