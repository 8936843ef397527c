#pragma once
// One training step, the unit every loop repeats: the trainers' epochs, the comparison's
// fixed step counts and the benchmark's timed iterations.
#include "apps/shared/models.h"

#include <nabla.h>

#include <cstdint>

namespace nabla::apps {

struct StepStats {
    double loss = 0.0;
    bool finite = true;  // false: the loss was NaN or Inf and no step was taken
    std::int64_t correct = 0;
    std::int64_t count = 0;
};

// Forward, backward and optimizer step on one batch (model in training mode). A
// non-finite loss takes no step and comes back with finite = false.
StepStats train_step(nn::Module& model, optim::Optimizer& opt, const data::Batch& batch, ModelKind kind);

}  // namespace nabla::apps
