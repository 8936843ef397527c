#pragma once
// The pieces of a training run that every app shares: building the optimizer,
// one training step, evaluation in eval mode, and a non-finite loss check.
#include "apps/common/models.h"

#include <nabla.h>

#include <cstdint>
#include <memory>
#include <string>

namespace nabla::apps {

struct OptimizerConfig {
    std::string name = "momentum";  // sgd | momentum | adam
    float lr = 0.01f;
    float momentum = 0.9f;          // for momentum (and sgd when > 0)
    float weight_decay = 0.0f;      // never applied to biases or BN's gamma/beta
};

// Validates the config (clear errors for lr <= 0, momentum outside [0, 1), ...).
std::unique_ptr<optim::Optimizer> make_optimizer(nn::Module& model, const OptimizerConfig& cfg);
float current_lr(const optim::Optimizer& opt);

struct StepStats {
    double loss = 0.0;
    bool finite = true;  // false: the loss was NaN or Inf and no step was taken
    std::int64_t correct = 0;
    std::int64_t count = 0;
};

// Forward, backward and optimizer step on one batch (model in training mode). A
// non-finite loss takes no step and comes back with finite = false.
StepStats train_step(nn::Module& model, optim::Optimizer& opt, const data::Batch& batch, ModelKind kind);
// The error the trainers stop with on a non-finite loss.
Error non_finite_loss(double loss, std::int64_t step, int epoch);

struct Evaluation {
    double loss = 0.0;
    double accuracy = 0.0;
    std::int64_t count = 0;
};

// Mean loss and accuracy over the dataset (the first `limit` samples when > 0), in eval
// mode under NoGradGuard; the model's previous mode is restored afterwards. Batches of
// 100 keep a CNN layer's activations at 10 MB, so evaluation adds little to a training
// run's peak memory (at 1000 they were 100 MB each and the peak was 420 MB).
Evaluation evaluate(nn::Module& model, const data::Dataset& dataset, ModelKind kind, std::int64_t limit = 0,
                    std::int64_t batch_size = 100);

// The model's input: images stay [B,1,28,28] for the cnn, others get [B,784].
Tensor model_input(const Tensor& images, ModelKind kind);

}  // namespace nabla::apps
