#pragma once
// The whole of mnist_mlp and mnist_cnn: flags, the epoch loop with progress, metrics,
// checkpoints, Ctrl-C handling and the final summary. Returns the process's exit code.
#include "apps/shared/models.h"
#include "apps/trainer/flags.h"

namespace nabla::apps {

int run_trainer(int argc, char** argv, ModelKind kind, const TrainerDefaults& defaults);

}  // namespace nabla::apps
