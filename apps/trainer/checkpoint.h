#pragma once
// Training checkpoints: the model's parameters and buffers, the optimizer's state and
// where training stood, in one safetensors file written atomically (temporary file,
// fsync, rename), so a killed run never leaves a half-written checkpoint.
#include <nabla.h>

#include <cstdint>
#include <string>

namespace nabla::apps {

struct TrainState {
    int epoch = 0;          // epochs completed
    std::int64_t step = 0;  // training steps run (with --allow-nonfinite, skipped ones too)
    double best_accuracy = 0.0;
};

// What a checkpoint was trained as ("mlp_bn", "momentum"); resuming it into another
// model or optimizer is refused with a message naming both.
struct CheckpointTag {
    std::string model;
    std::string optimizer;
};

void save_checkpoint(const std::string& path, const nn::Module& model, const optim::Optimizer& opt,
                     const TrainState& state, const CheckpointTag& tag);
// Restores all three; the model and optimizer are unchanged when the file does not fit.
TrainState load_checkpoint(const std::string& path, nn::Module& model, optim::Optimizer& opt,
                           const CheckpointTag& tag);

}  // namespace nabla::apps
