#pragma once
// One training run of the study, counted in steps: the loop every claim shares, with
// hooks for the claims that look inside the network while it trains (the input each
// layer receives, the gradients after backward) and a test-error curve.
#include "apps/shared/models.h"
#include "apps/shared/optimizer_config.h"
#include "apps/study/run_result.h"

#include <nabla.h>

#include <cstdint>
#include <functional>
#include <memory>

namespace nabla::apps {

struct TrainSpec {
    std::function<std::shared_ptr<nn::Sequential>()> model;
    ModelKind input = ModelKind::mlp;  // images [B,1,28,28] for cnn/resnet, else flat [B,784]
    OptimizerConfig optimizer;
    std::int64_t batch_size = 64, steps = 500;
    std::int64_t eval_every = 100;   // test error at step 0, every eval_every steps and at the end
    std::int64_t eval_limit = 1000;  // test images per evaluation
    std::int64_t log_every = 25;     // training-loss curve: mean over this many steps
    std::uint64_t seed = 0;
    // Called on the input of every layer of the Sequential during the training forward
    // pass (training mode, so BN uses batch statistics). Set: the forward runs layer by layer.
    std::function<void(std::int64_t step, size_t index, nn::Module& layer, const Tensor& input)> inspect{};
    // Called after backward, before the optimizer step: the gradients of this step.
    std::function<void(std::int64_t step, nn::Sequential& model)> after_backward{};
    // Called after the run with the trained model (extra evaluations).
    std::function<void(nn::Sequential& model, RunResult& out)> finish{};
};

// Fills out.values: final_accuracy, best_accuracy, steps_done, diverged (0/1), parameters,
// seconds_per_step; out.curves: test_error (x: step), train_loss.
void train(const TrainSpec& spec, const data::Dataset& train_set, const data::Dataset& test_set,
           RunResult& out);

// First evaluated step with test error <= 1 - accuracy, or `never` when none.
double steps_to_accuracy(const RunResult& r, double accuracy, double never);

}  // namespace nabla::apps
