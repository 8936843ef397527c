#pragma once
// The command line of mnist_mlp, mnist_cnn and mnist_resnet: one field per flag, parsed
// and validated without side effects so that tests and the fuzzer can drive it.
#include "apps/shared/models.h"
#include "apps/shared/optimizer_config.h"

#include <cstdint>
#include <string>
#include <variant>

namespace nabla::apps {

// What differs between the trainers besides the model.
struct TrainerDefaults {
    int epochs;
    float lr;
    bool bn = false;
    std::int64_t batch_size = 64;
    float weight_decay = 0.0f;
    std::int64_t depth = 8;  // resnet only
};

// The trainers' settings, one field per flag.
struct Flags {
    std::string dataset = "mnist";  // or "fashion-mnist" (data/datasets.h)
    std::string data;               // the dataset's directory; empty: where it is usually found
    bool bn = false;
    bool sync_bn = false;  // under mpirun: dist::SyncBatchNorm for every BatchNorm
    ResNetShape resnet;    // --depth and --plain, mnist_resnet only
    int epochs = 0;
    std::int64_t batch_size = 64;  // per rank under mpirun
    OptimizerConfig optimizer;
    std::string lr_schedule = "cosine";  // or "constant"
    std::uint64_t seed = 0;
    int threads = 0;
    std::int64_t limit_train = 0, limit_test = 0;
    std::string save, resume, metrics;
    std::string export_onnx;  // the trained model as ONNX, written at the end (onnx/export.h)
    bool eval_only = false, quiet = false, verbose = false, detect_anomaly = false, allow_nonfinite = false;
    std::int64_t log_every = 100;
    std::int64_t save_every = 0;  // steps between mid-epoch checkpoints; 0: only at epoch ends
    std::int64_t max_steps = 0;   // stop once this many steps are trained in all; 0: no limit
};

// A command line that does not lead to training: --help (code 0, `text` for stdout) or
// a malformed or invalid one (non-zero code, `text` for stderr).
struct FlagsExit {
    int code = 0;
    std::string text;
};

// Nothing printed, nothing read or written.
std::variant<Flags, FlagsExit> parse_trainer_flags(int argc, const char* const* argv, ModelKind kind,
                                                   const TrainerDefaults& defaults);

}  // namespace nabla::apps
