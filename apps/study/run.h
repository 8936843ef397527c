#pragma once
// One training run of the BatchNorm comparison, step-based, with the curves the
// report draws: training loss, test accuracy at regular steps and, for the sigmoid
// network, the 15th/50th/85th percentiles of one last-hidden-layer sigmoid input.
#include "apps/shared/models.h"
#include "apps/shared/optimizer_config.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nabla::apps {

struct RunSpec {
    std::string experiment;  // "mlp", "cnn", "high_lr", "ioffe"
    ModelKind kind = ModelKind::mlp;
    bool bn = false;
    OptimizerConfig optimizer;
    std::int64_t batch_size = 64;
    std::int64_t steps = 1000;
    std::int64_t eval_every = 200;      // test accuracy on the whole test set
    std::int64_t log_every = 50;        // mean training loss over this many steps
    std::int64_t percentile_every = 0;  // 0: no percentile tracking
    std::uint64_t seed = 0;
};

struct EvalPoint {
    std::int64_t step;
    double accuracy, loss;
};
struct LossPoint {
    std::int64_t step;
    double loss;
};
struct PercentilePoint {
    std::int64_t step;
    double p15, p50, p85;
};

struct RunResult {
    RunSpec spec;
    std::string name;  // "mlp_bn"
    std::vector<LossPoint> loss;
    std::vector<EvalPoint> evals;
    std::vector<PercentilePoint> percentiles;
    double train_seconds = 0.0;  // excluding evaluation
    double seconds_per_epoch = 0.0;
    std::int64_t parameters = 0;
    std::int64_t steps_done = 0;
    bool diverged = false;  // the loss became NaN or Inf; the run stopped there
    std::string model_repr;
};

RunResult run_study(const RunSpec& spec, const data::Dataset& train, const data::Dataset& test, bool quiet);

// First step at which the test accuracy reached `threshold`, or -1.
std::int64_t steps_to_accuracy(const RunResult& r, double threshold);
double final_accuracy(const RunResult& r);
double best_accuracy(const RunResult& r);

}  // namespace nabla::apps
