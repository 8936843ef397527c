#include "apps/trainer/flags.h"

#include <CLI/CLI.hpp>
#include <nabla.h>

#include <sstream>

namespace nabla::apps {

namespace {

void validate(const Flags& f) {
    NABLA_CHECK(f.epochs >= 1, "flags", "--epochs must be >= 1, got {}", f.epochs);
    NABLA_CHECK(f.batch_size >= 1, "flags", "--batch-size must be >= 1, got {}", f.batch_size);
    NABLA_CHECK(!f.bn || f.batch_size >= 2 || f.eval_only, "flags",
                "--bn needs --batch-size >= 2: BatchNorm cannot train on one value per channel");
    NABLA_CHECK(f.threads >= 0, "flags", "--threads must be >= 0, got {}", f.threads);
    NABLA_CHECK(f.limit_train >= 0 && f.limit_test >= 0, "flags", "--limit-train/--limit-test must be >= 0");
    NABLA_CHECK(f.log_every >= 1, "flags", "--log-every must be >= 1, got {}", f.log_every);
    NABLA_CHECK(!f.eval_only || !f.resume.empty(), "flags", "--eval-only needs --resume PATH (a checkpoint)");
    NABLA_CHECK(f.resnet.depth >= 8 && (f.resnet.depth - 2) % 6 == 0, "flags",
                "--depth must be 6n + 2 with n >= 1 (8, 14, 20, ...), got {}", f.resnet.depth);
    NABLA_CHECK(f.save_every >= 0, "flags", "--save-every must be >= 0, got {}", f.save_every);
    NABLA_CHECK(f.save_every == 0 || !f.save.empty(), "flags", "--save-every needs --save PATH");
    NABLA_CHECK(!f.sync_bn || f.bn, "flags",
                "--sync-bn needs --bn: it synchronises the statistics of BatchNorm layers over the ranks");
    NABLA_CHECK(f.max_steps >= 0, "flags", "--max-steps must be >= 0, got {}", f.max_steps);
}

}  // namespace

std::variant<Flags, FlagsExit> parse_trainer_flags(int argc, const char* const* argv, ModelKind kind,
                                                   const TrainerDefaults& defaults) {
    Flags f;
    f.epochs = defaults.epochs;
    f.optimizer.lr = defaults.lr;
    f.bn = defaults.bn;
    f.batch_size = defaults.batch_size;
    f.optimizer.weight_decay = defaults.weight_decay;
    f.resnet.depth = defaults.depth;
    const std::string model = kind == ModelKind::resnet ? "ResNet" : model_name(kind, false);
    CLI::App app{fmt::format("Train the {} on MNIST or Fashion-MNIST, with or without BatchNorm.", model)};
    app.add_option("--dataset", f.dataset, "mnist or fashion-mnist")
        ->check(CLI::IsMember({"mnist", "fashion-mnist"}))
        ->capture_default_str();
    app.add_option("--data", f.data,
                   "directory with the data set's four IDX files (default: data/mnist for mnist; "
                   "data/fashion-mnist, then /usr/share/datasets/fashion-mnist for fashion-mnist)");
    app.add_flag("--bn,!--no-bn", f.bn, "BatchNorm after every hidden layer (its bias dropped)")
        ->capture_default_str();
    app.add_flag("--sync-bn", f.sync_bn,
                 "under mpirun: BatchNorm's batch statistics over every rank's samples (default: each rank's "
                 "own, as PyTorch's DDP does)");
    if (kind == ModelKind::resnet) {
        app.add_option("--depth", f.resnet.depth, "weighted layers, 6n + 2: n BasicBlocks per stage")
            ->capture_default_str();
        app.add_flag("--plain", f.resnet.plain, "the same network without its skip connections");
    }
    app.add_option("--epochs", f.epochs, "training epochs")->capture_default_str();
    app.add_option("--batch-size", f.batch_size, "training batch size (of each rank under mpirun)")
        ->capture_default_str();
    app.add_option("--optimizer", f.optimizer.name, "sgd, momentum, adam or rmsprop")
        ->check(CLI::IsMember({"sgd", "momentum", "adam", "rmsprop"}))
        ->capture_default_str();
    app.add_option("--lr", f.optimizer.lr, "learning rate")->capture_default_str();
    app.add_option("--lr-schedule", f.lr_schedule, "cosine (decay to 0 over --epochs) or constant")
        ->check(CLI::IsMember({"cosine", "constant"}))
        ->capture_default_str();
    float momentum = 0.0f;
    CLI::Option* momentum_flag = app.add_option(
        "--momentum", momentum, "momentum of the momentum optimizer (default 0.9) or rmsprop (0)");
    app.add_option("--weight-decay", f.optimizer.weight_decay, "L2 weight decay (not on biases, gamma, beta)")
        ->capture_default_str();
    app.add_option("--seed", f.seed, "seed for initialisation and data order")->capture_default_str();
    app.add_option("--threads", f.threads, "BLAS threads (0: OpenBLAS default)")->capture_default_str();
    app.add_option("--limit-train", f.limit_train, "use only the first N training images (0: all)");
    app.add_option("--limit-test", f.limit_test, "use only the first N test images (0: all)");
    app.add_option("--save", f.save,
                   "checkpoint path, written after every epoch, every --save-every steps and on Ctrl-C");
    app.add_option("--save-every", f.save_every,
                   "steps between checkpoints within an epoch (0: epoch ends only)")
        ->capture_default_str();
    app.add_option("--resume", f.resume, "continue from this checkpoint, mid-epoch ones at their step");
    app.add_option("--max-steps", f.max_steps,
                   "stop (saving with --save) after N steps in all (0: no limit)");
    app.add_flag("--eval-only", f.eval_only, "only evaluate the --resume checkpoint on the test set");
    app.add_option("--metrics", f.metrics, "append JSON lines (steps and epochs) to this file");
    app.add_option("--export-onnx", f.export_onnx,
                   "write the trained model (eval mode) as an ONNX file at the end (docs/deploy.md)");
    app.add_option("--log-every", f.log_every, "steps between metrics lines and plain progress lines")
        ->capture_default_str();
    app.add_flag("--allow-nonfinite", f.allow_nonfinite,
                 "skip steps whose loss is NaN or Inf instead of stopping (default: stop with an error)");
    app.add_flag("--quiet", f.quiet, "only the per-epoch lines and the summary");
    app.add_flag("--verbose", f.verbose, "print the model, the BLAS kernel and the thread count");
    app.add_flag("--detect-anomaly", f.detect_anomaly,
                 "stop at the first op that produces NaN or Inf, naming it");
    try {
        app.parse(argc, argv);
        if (momentum_flag->count() > 0) f.optimizer.momentum = momentum;
        validate(f);
    } catch (const CLI::ParseError& e) {
        std::ostringstream out;
        const int code = app.exit(e, out, out);
        return FlagsExit{code, out.str()};
    } catch (const Error& e) {
        return FlagsExit{1, fmt::format("error: {}\n", e.what())};
    }
    return f;
}

}  // namespace nabla::apps
