#include "apps/trainer/run_trainer.h"

#include "apps/shared/evaluate.h"
#include "apps/shared/progress.h"
#include "apps/shared/train_step.h"
#include "apps/trainer/checkpoint.h"
#include "apps/trainer/job.h"
#include "apps/trainer/metrics.h"

#include <nabla.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <optional>

namespace nabla::apps {

namespace {

// Ctrl-C asks the loop to stop after the current step and save it; a second one, for when
// that takes too long, ends the process at once. Only async-signal-safe calls in here.
std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) {
    if (g_interrupted.exchange(true)) {
        constexpr char kAgain[] = "\ninterrupted again: exiting without saving\n";
        (void)!::write(STDERR_FILENO, kAgain, sizeof kAgain - 1);
        ::_exit(130);
    }
    constexpr char kFirst[] = "\ninterrupted: stopping after this step (Ctrl-C again to quit at once)\n";
    (void)!::write(STDERR_FILENO, kFirst, sizeof kFirst - 1);
}

// The error the trainers stop with on a non-finite loss.
Error non_finite_loss(double loss, std::int64_t step, int epoch) {
    return Error("train",
                 fmt::format("the loss became {} at step {} of epoch {}: training diverged (try a lower "
                             "learning rate)",
                             loss, step, epoch));
}

// The files the run writes, checked before anything is read or trained: a bad path costs
// a second, not an epoch. The checks leave no file behind.
void check_outputs(const Flags& f) {
    if (!f.save.empty()) check_writable(f.save, "--save");
    if (!f.metrics.empty()) check_appendable(f.metrics, "--metrics");
    if (!f.export_onnx.empty()) check_writable(f.export_onnx, "--export-onnx");
}

// --export-onnx: the model for inputs of one sample ([1, 1, 28, 28] or [1, 784]); the
// batch dimension stays symbolic, so the file runs any batch size.
void export_model(const Flags& f, nn::Module& model, ModelKind kind) {
    if (f.export_onnx.empty()) return;
    const Shape one = takes_images(kind) ? Shape{1, 1, 28, 28} : Shape{1, 784};
    try {
        nn::export_onnx(model, one, f.export_onnx);
    } catch (const Error& e) {
        throw e.with_context("--export-onnx");
    }
    if (!f.quiet) fmt::print("exported {} (ONNX)\n", f.export_onnx);
}

// A checkpoint cut short in an epoch goes on with that epoch's remaining batches, which
// only the same seed, global batch (batch size times ranks) and training images give.
void check_same_batches(const Flags& f, const TrainState& s, const Job& job) {
    if (!s.in_epoch.started()) return;
    const DataOrder& o = *s.order;
    const std::string where = fmt::format("{} stopped at {}", f.resume, describe_position(s));
    NABLA_CHECK(o.seed == f.seed, "--resume",
                "{} of a run with --seed {}; add --seed {} to go on with its batches", where, o.seed, o.seed);
    if (o.world_size == 1 && job.size == 1)
        NABLA_CHECK(o.batch_size == f.batch_size, "--resume",
                    "{} of a run with --batch-size {}; add --batch-size {} to go on with its batches", where,
                    o.batch_size, o.batch_size);
    const std::int64_t global = f.batch_size * job.size;
    NABLA_CHECK(
        o.global_batch() == global, "--resume",
        "{} of a run with {} images a step ({} ranks x --batch-size {}), this one takes {} ({} x {}){}",
        where, o.global_batch(), o.world_size, o.batch_size, global, job.size, f.batch_size,
        o.global_batch() % job.size == 0
            ? fmt::format("; add --batch-size {} to go on with its batches", o.global_batch() / job.size)
            : fmt::format("; {} ranks cannot split that evenly", job.size));
    NABLA_CHECK(o.limit_train == f.limit_train, "--resume",
                "{} of a run with --limit-train {}; add --limit-train {} to go on with its batches", where,
                o.limit_train, o.limit_train);
}

// Why a resumed run has no step to take, if it has none.
std::optional<std::string> nothing_left(const Flags& f, const TrainState& s) {
    if (f.max_steps > 0 && s.step >= f.max_steps)
        return fmt::format("{} is at step {} of --max-steps {}", f.resume, s.step, f.max_steps);
    if (s.in_epoch.started() && s.epoch + 1 > f.epochs)
        return fmt::format("{} stopped at {}, past --epochs {}", f.resume, describe_position(s), f.epochs);
    if (!s.in_epoch.started() && s.epoch >= f.epochs)
        return fmt::format("{} finished epoch {} of --epochs {}", f.resume, s.epoch, f.epochs);
    return std::nullopt;
}

// What a stopped run says it left: "saved ck.safetensors: epoch 1, step 37 of 937".
std::string left_behind(const Flags& f, const TrainState& s) {
    if (f.save.empty()) return fmt::format("{}; nothing saved (no --save)", describe_position(s));
    return fmt::format("saved {}: {}", f.save, describe_position(s));
}

// Under mpirun, what the job is: printed once, before anything is read.
void describe_job(const Flags& f, const Job& job, const std::string& name) {
    if (job.size == 1) return;
    fmt::print("{}: {} ranks, batch {} per rank, {} images a step; BatchNorm statistics {}\n", name, job.size,
               f.batch_size, f.batch_size * job.size,
               !f.bn       ? "not used"
               : f.sync_bn ? "over all ranks (--sync-bn)"
                           : "per rank (no --sync-bn)");
}

int train(const Flags& f, ModelKind kind, const Job& job) {
    const CheckpointTag tag{model_name(kind, f.bn, f.resnet), f.optimizer.name};
    const std::string& name = tag.model;
    // Every rank takes the same steps, so a step skipped on one rank would leave the others
    // waiting in its gradient all-reduce.
    NABLA_CHECK(job.size == 1 || !f.allow_nonfinite, "--allow-nonfinite",
                "skipping steps is not supported with {} ranks; every rank must take every step", job.size);
    if (job.leader()) check_outputs(f);
    describe_job(f, job, name);
    manual_seed(f.seed);
    auto model = make_model(kind, f.bn, f.resnet);
    if (f.sync_bn) dist::convert_sync_batchnorm(*model);
    // Before any data is read: a bad --lr or --momentum is reported as such.
    auto opt = make_optimizer(*model, f.optimizer);
    // Cosine decay over the run's --epochs: epoch e trains at position e - 1 of the schedule.
    // The position is the number of finished epochs, so a resumed run continues it exactly.
    // Made before a checkpoint is loaded: it starts from the --lr of the flags, not the
    // decayed rate the checkpoint's optimizer holds.
    std::unique_ptr<optim::LRScheduler> schedule;
    if (f.lr_schedule == "cosine") schedule = std::make_unique<optim::CosineAnnealingLR>(*opt, f.epochs);
    TrainState state;
    state.order = DataOrder{
        .seed = f.seed, .batch_size = f.batch_size, .limit_train = f.limit_train, .world_size = job.size};
    if (!f.resume.empty()) {
        TrainState saved = load_checkpoint(f.resume, *model, *opt, tag);
        check_same_batches(f, saved, job);
        restore_generator(saved);
        if (!f.eval_only) {
            if (const auto why = nothing_left(f, saved)) {
                fmt::print("nothing left to train: {}\n", *why);
                return 0;
            }
        }
        saved.order = state.order;  // what this run's batches follow from here on
        state = saved;
        if (!f.quiet)
            fmt::print("resumed {} from {}: {} (step {})\n", name, f.resume, describe_position(state),
                       state.step);
    }
    if (f.verbose) fmt::print("{}\n", *model);
    // Rank 0's parameters and buffers on every rank; gradients averaged in every backward.
    dist::DataParallel data_parallel(*model);

    const data::DatasetName dataset = data::parse_dataset_name(f.dataset);
    std::string dir;
    try {
        dir = data::find_dataset_dir(dataset, f.data).string();
    } catch (const Error& e) {
        throw e.with_context("--data");
    }
    data::MNISTOptions options = data::dataset_options(dataset);
    options.limit = f.limit_train;
    const data::MNIST train_set(dir, data::Split::train, options);
    options.limit = f.limit_test;
    const data::MNIST test_set(dir, data::Split::test, options);
    const EvalShard shard{job.rank, job.size};
    if (f.eval_only) {
        const Evaluation ev = combine_over_ranks(evaluate(*model, test_set, kind, 0, 100, shard));
        fmt::print("{}: test loss {:.4f}, test accuracy {:.2f}% ({} images)\n", name, ev.loss,
                   100 * ev.accuracy, ev.count);
        if (job.leader()) export_model(f, *model, kind);
        return 0;
    }
    // BatchNorm cannot train on a batch of one: a lone last sample sits out every epoch. Under
    // mpirun each rank's share counts (the n mod ranks remainder is left out: data/loader.h).
    const std::int64_t share = train_set.size() / job.size;
    const bool lone_last = f.bn && share % f.batch_size == 1;
    if (lone_last && !f.quiet)
        fmt::print(
            "note: {} training images{} in batches of {} leave a last batch of one, which BatchNorm cannot "
            "train on; it is skipped\n",
            share, job.size > 1 ? " per rank" : "", f.batch_size);
    data::DataLoader loader(train_set, {.batch_size = f.batch_size,
                                        .shuffle = true,
                                        .drop_last = lone_last,
                                        .seed = f.seed,
                                        .rank = job.rank,
                                        .world_size = job.size});
    NABLA_CHECK(!state.in_epoch.started() || state.in_epoch.steps == loader.size(), "--resume",
                "{} stopped at {}, but {} gives {} steps an epoch: it holds other training images", f.resume,
                describe_position(state), dir, loader.size());
    for (int e = 0; schedule && e < state.epoch; ++e) schedule->step();
    MetricsWriter metrics(job.leader() ? f.metrics : "");

    // Rank 0 saves, with its running statistics (the others' are the same under --sync-bn).
    auto save = [&] {
        if (job.leader()) save_checkpoint(f.save, *model, *opt, state, tag);
    };
    double final_acc = 0.0;
    // Under mpirun, Ctrl-C reaches the ranks at different steps, and a rank that stops early
    // would leave the others waiting: the job just ends (resume from the last checkpoint).
    if (job.size == 1) std::signal(SIGINT, on_sigint);
    model->train();
    for (int epoch = state.epoch + 1; epoch <= f.epochs; ++epoch) {
        EpochProgress& ep = state.in_epoch;  // zero, or where the resumed checkpoint stopped
        ep.steps = loader.size();
        loader.set_epoch(epoch - 1);
        auto batch = loader.begin();
        for (std::int64_t i = 0; i < ep.step; ++i) ++batch;  // trained before the checkpoint
        Progress progress(fmt::format("{} epoch {}/{}", name, epoch, f.epochs), ep.steps, f.quiet,
                          f.log_every, ep.step);
        const auto t0 = std::chrono::steady_clock::now();
        std::int64_t seen_here = 0;  // samples trained by this process, for the rate
        bool stop = false;
        for (; batch != loader.end(); ++batch) {
            const StepStats s = train_step(*model, *opt, *batch, kind);
            ++ep.step;
            ++state.step;  // skipped steps count too: step numbers name batches
            stop = g_interrupted || (f.max_steps > 0 && state.step >= f.max_steps);
            if (!s.finite) {
                if (!f.allow_nonfinite) throw non_finite_loss(s.loss, state.step, epoch);
                // The batch took no step and stays out of the running means.
                if (ep.skipped++ == 0)
                    fmt::print(stderr,
                               "warning: the loss became {} at step {} of epoch {}; skipping such steps "
                               "(--allow-nonfinite)\n",
                               s.loss, state.step, epoch);
            } else {
                const StepSums all = sum_over_ranks({s.loss * double(s.count), s.correct, s.count});
                ep.loss_sum += all.loss_sum;
                ep.correct += all.correct;
                ep.seen += all.count;
                seen_here += all.count;
                const double secs =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                progress.update(ep.step, ep.loss_sum / double(ep.seen), double(ep.correct) / double(ep.seen),
                                double(seen_here) / secs);
                if (state.step % f.log_every == 0)
                    metrics.step(state.step, epoch, all.loss_sum / double(all.count),
                                 double(all.correct) / double(all.count), current_lr(*opt),
                                 double(seen_here) / secs);
            }
            if (stop) break;
            // The end of the epoch saves anyway, after evaluating.
            if (f.save_every > 0 && state.step % f.save_every == 0 && ep.step < ep.steps) save();
        }
        progress.finish();
        if (ep.step < ep.steps) {  // cut short: save the step just taken
            if (!f.save.empty()) save();
            if (g_interrupted) {
                fmt::print("interrupted: {}\n", left_behind(f, state));
                return 130;
            }
            fmt::print("stopped at --max-steps {}: {}\n", f.max_steps, left_behind(f, state));
            return 0;
        }
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        broadcast_buffers(*model);  // every rank evaluates, and rank 0 saves, the same model
        const Evaluation ev = combine_over_ranks(evaluate(*model, test_set, kind, 0, 100, shard));
        final_acc = ev.accuracy;
        state.best_accuracy = std::max(state.best_accuracy, ev.accuracy);
        state.epoch = epoch;
        const double train_loss = ep.loss_sum / double(std::max<std::int64_t>(ep.seen, 1));
        fmt::print("{} epoch {}: train loss {:.4f}, test loss {:.4f}, test accuracy {:.2f}%, {:.1f} s{}\n",
                   name, epoch, train_loss, ev.loss, 100 * ev.accuracy, secs,
                   ep.skipped
                       ? fmt::format(", {} of {} steps skipped (non-finite loss)", ep.skipped, ep.steps)
                       : "");
        metrics.epoch(epoch, state.step, train_loss, ev.loss, ev.accuracy, current_lr(*opt),
                      double(seen_here) / secs, secs);
        if (schedule) schedule->step();
        ep = EpochProgress{};
        if (!f.save.empty()) save();
        // Stopped on an epoch's last step (or during its evaluation): the epoch is whole.
        const bool more = epoch < f.epochs;
        if (more && (stop || g_interrupted)) {
            if (g_interrupted) {
                fmt::print("interrupted: {}\n", left_behind(f, state));
                return 130;
            }
            fmt::print("stopped at --max-steps {}: {}\n", f.max_steps, left_behind(f, state));
            return 0;
        }
    }
    model->eval();
    fmt::print("{}: {} parameters, best test accuracy {:.2f}%, final {:.2f}%\n", name,
               model->parameter_count(), 100 * state.best_accuracy, 100 * final_acc);
    if (job.leader()) export_model(f, *model, kind);
    return 0;
}

}  // namespace

int run_trainer(int argc, char** argv, ModelKind kind, const TrainerDefaults& defaults) {
    use_fast_blas_kernels(argc, argv);  // may exec the program anew: before MPI starts
    // Under mpirun, this process is one rank of a data-parallel job (job.h); otherwise
    // World does nothing and the run is exactly what it is without dist/.
    std::optional<dist::World> world;
    try {
        world.emplace(argc, argv);
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
    const Job job = current_job();
    try {
        quiet_followers(job);
        // Before the flags are parsed: ranks with other flags could otherwise fail apart.
        check_same_flags(argc, argv);
        auto parsed = parse_trainer_flags(argc, argv, kind, defaults);
        if (const auto* stop = std::get_if<FlagsExit>(&parsed)) {
            if (job.leader()) fmt::print(stop->code == 0 ? stdout : stderr, "{}", stop->text);
            return stop->code;  // the same on every rank: the flags are
        }
        const Flags& f = std::get<Flags>(parsed);
        if (const int threads = f.threads > 0 ? f.threads : default_threads(job); threads > 0)
            set_num_threads(threads);
        if (f.verbose) fmt::print("{}\n", blas_description());
        set_detect_anomaly(f.detect_anomaly);
        return train(f, kind, job);
    } catch (const dist::EveryRankError& e) {
        if (job.leader()) fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        if (job.size == 1) {
            fmt::print(stderr, "error: {}\n", e.what());
            return 1;
        }
        // The others may be waiting for this rank in a collective: end them all.
        fmt::print(stderr, "error on rank {} of {}: {}\n", job.rank, job.size, e.what());
        std::fflush(stderr);
        dist::abort_job(1);
    }
}

}  // namespace nabla::apps
