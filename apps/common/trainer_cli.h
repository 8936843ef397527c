#pragma once
// The command line behind mnist_mlp and mnist_cnn: flags, the epoch loop with
// progress, metrics, checkpoints, Ctrl-C handling and the final summary.
#include "apps/common/models.h"

namespace nabla::apps {

struct TrainerDefaults {
    int epochs;
    float lr;
};

int run_trainer(int argc, char** argv, ModelKind kind, const TrainerDefaults& defaults);

}  // namespace nabla::apps
