#pragma once
// Measuring a model on a dataset: mean loss and accuracy in eval mode.
#include "apps/shared/models.h"

#include <nabla.h>

#include <cstdint>

namespace nabla::apps {

struct Evaluation {
    double loss = 0.0;
    double accuracy = 0.0;
    std::int64_t count = 0;
};

// Which part of the samples one process evaluates: samples rank, rank + ranks, ... (a
// data-parallel job's ranks each take one share; apps/trainer/job.h adds them up).
struct EvalShard {
    int rank = 0;
    int ranks = 1;
};

// Mean loss and accuracy over the dataset (the first `limit` samples when > 0; of those,
// the shard's), in eval mode under NoGradGuard; the model's previous mode is restored afterwards. Batches of
// 100 keep a CNN layer's activations at 10 MB, so evaluation adds little to a training
// run's peak memory (at 1000 they were 100 MB each and the peak was 420 MB).
Evaluation evaluate(nn::Module& model, const data::Dataset& dataset, ModelKind kind, std::int64_t limit = 0,
                    std::int64_t batch_size = 100, EvalShard shard = {});

}  // namespace nabla::apps
