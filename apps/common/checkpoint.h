#pragma once
// Training checkpoints: the model's parameters and buffers, the optimizer's state and
// where training stood, in one safetensors file written atomically (temporary file,
// fsync, rename), so a killed run never leaves a half-written checkpoint.
#include <nabla.h>

#include <cstdint>
#include <string>

namespace nabla::apps {

struct TrainState {
    int epoch = 0;            // epochs completed
    std::int64_t step = 0;    // optimizer steps taken
    double best_accuracy = 0.0;
};

void save_checkpoint(const std::string& path, const nn::Module& model, const optim::Optimizer& opt,
                     const TrainState& state, const std::string& model_name);
// Restores all three; the model and optimizer are unchanged when the file does not fit.
TrainState load_checkpoint(const std::string& path, nn::Module& model, optim::Optimizer& opt,
                           const std::string& model_name);

}  // namespace nabla::apps
