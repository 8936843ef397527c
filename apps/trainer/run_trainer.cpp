#include "apps/trainer/run_trainer.h"

#include "apps/shared/evaluate.h"
#include "apps/shared/progress.h"
#include "apps/shared/train_step.h"
#include "apps/trainer/checkpoint.h"
#include "apps/trainer/metrics.h"

#include <nabla.h>

#include <atomic>
#include <chrono>
#include <csignal>

namespace nabla::apps {

namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) { g_interrupted = true; }

// The error the trainers stop with on a non-finite loss.
Error non_finite_loss(double loss, std::int64_t step, int epoch) {
    return Error("train",
                 fmt::format("the loss became {} at step {} of epoch {}: training diverged (try a lower "
                             "learning rate)",
                             loss, step, epoch));
}

int train(const Flags& f, ModelKind kind) {
    const CheckpointTag tag{model_name(kind, f.bn), f.optimizer.name};
    const std::string& name = tag.model;
    manual_seed(f.seed);
    auto model = make_model(kind, f.bn);
    // Before any data is read: a bad --lr or --momentum is reported as such.
    auto opt = make_optimizer(*model, f.optimizer);
    const std::string dir = data::find_mnist_dir(f.data).string();
    const data::MNIST train_set(dir, data::Split::train, {.limit = f.limit_train});
    const data::MNIST test_set(dir, data::Split::test, {.limit = f.limit_test});
    // BatchNorm cannot train on a batch of one: a lone last sample sits out every epoch.
    const bool lone_last = f.bn && train_set.size() % f.batch_size == 1;
    if (lone_last && !f.quiet)
        fmt::print(
            "note: {} training images in batches of {} leave a last batch of one, which BatchNorm cannot "
            "train on; it is skipped\n",
            train_set.size(), f.batch_size);
    data::DataLoader loader(
        train_set, {.batch_size = f.batch_size, .shuffle = true, .drop_last = lone_last, .seed = f.seed});
    // Cosine decay over the run's --epochs: epoch e trains at position e - 1 of the schedule.
    // The position is the number of finished epochs, so a resumed run continues it exactly.
    std::unique_ptr<optim::LRScheduler> schedule;
    if (f.lr_schedule == "cosine" && f.epochs > 0)
        schedule = std::make_unique<optim::CosineAnnealingLR>(*opt, f.epochs);
    TrainState state;
    if (!f.resume.empty()) {
        state = load_checkpoint(f.resume, *model, *opt, tag);
        if (!f.quiet)
            fmt::print("resumed {} from {} after epoch {} (step {})\n", name, f.resume, state.epoch,
                       state.step);
        for (int e = 0; schedule && e < state.epoch; ++e) schedule->step();
    }
    MetricsWriter metrics(f.metrics);
    if (f.eval_only) {
        const Evaluation ev = evaluate(*model, test_set, kind);
        fmt::print("{}: test loss {:.4f}, test accuracy {:.2f}% ({} images)\n", name, ev.loss,
                   100 * ev.accuracy, ev.count);
        return 0;
    }
    if (!f.quiet) fmt::print("{}", model->repr() + "\n");
    double final_acc = 0.0;
    std::signal(SIGINT, on_sigint);
    model->train();
    for (int epoch = state.epoch + 1; epoch <= f.epochs; ++epoch) {
        loader.set_epoch(epoch - 1);
        Progress progress(fmt::format("{} epoch {}/{}", name, epoch, f.epochs), loader.size(), f.quiet,
                          f.log_every);
        const auto t0 = std::chrono::steady_clock::now();
        double loss_sum = 0.0;
        std::int64_t correct = 0, seen = 0, done = 0, skipped = 0;
        for (const data::Batch& batch : loader) {
            const StepStats s = train_step(*model, *opt, batch, kind);
            ++done;
            ++state.step;  // skipped steps count too: step numbers name batches
            if (!s.finite) {
                if (!f.allow_nonfinite) throw non_finite_loss(s.loss, state.step, epoch);
                // The batch took no step and stays out of the running means.
                if (skipped++ == 0)
                    fmt::print(stderr,
                               "warning: the loss became {} at step {} of epoch {}; skipping such steps "
                               "(--allow-nonfinite)\n",
                               s.loss, state.step, epoch);
                if (g_interrupted) break;
                continue;
            }
            loss_sum += s.loss * double(s.count);
            correct += s.correct;
            seen += s.count;
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            progress.update(done, loss_sum / double(seen), double(correct) / double(seen),
                            double(seen) / secs);
            if (state.step % f.log_every == 0)
                metrics.step(state.step, epoch, s.loss, double(s.correct) / double(s.count), current_lr(*opt),
                             double(seen) / secs);
            if (g_interrupted) break;
        }
        progress.finish();
        if (g_interrupted) {
            // The partial epoch is not saved: resuming repeats it from its start, bit for bit.
            fmt::print("interrupted during epoch {}", epoch);
            if (!f.save.empty()) fmt::print("; the checkpoint {} holds epoch {}", f.save, epoch - 1);
            fmt::print("\n");
            return 130;
        }
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const Evaluation ev = evaluate(*model, test_set, kind);
        final_acc = ev.accuracy;
        state.best_accuracy = std::max(state.best_accuracy, ev.accuracy);
        state.epoch = epoch;
        const double train_loss = loss_sum / double(std::max<std::int64_t>(seen, 1));
        fmt::print("{} epoch {}: train loss {:.4f}, test loss {:.4f}, test accuracy {:.2f}%, {:.1f} s{}\n",
                   name, epoch, train_loss, ev.loss, 100 * ev.accuracy, secs,
                   skipped ? fmt::format(", {} of {} steps skipped (non-finite loss)", skipped, done) : "");
        metrics.epoch(epoch, state.step, train_loss, ev.loss, ev.accuracy, current_lr(*opt),
                      double(seen) / secs, secs);
        if (schedule) schedule->step();
        if (!f.save.empty()) save_checkpoint(f.save, *model, *opt, state, tag);
    }
    model->eval();
    if (!f.quiet) fmt::print("{}\n", model->repr());
    fmt::print("{}: {} parameters, best test accuracy {:.2f}%, final {:.2f}%\n", name,
               model->parameter_count(), 100 * state.best_accuracy, 100 * final_acc);
    return 0;
}

}  // namespace

int run_trainer(int argc, char** argv, ModelKind kind, const TrainerDefaults& defaults) {
    use_fast_blas_kernels(argc, argv);
    auto parsed = parse_trainer_flags(argc, argv, kind, defaults);
    if (const auto* stop = std::get_if<FlagsExit>(&parsed)) {
        fmt::print(stop->code == 0 ? stdout : stderr, "{}", stop->text);
        return stop->code;
    }
    const Flags& f = std::get<Flags>(parsed);
    try {
        if (f.threads > 0) set_num_threads(f.threads);
        if (f.verbose) fmt::print("{}\n", blas_description());
        set_detect_anomaly(f.detect_anomaly);
        return train(f, kind);
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
}

}  // namespace nabla::apps
