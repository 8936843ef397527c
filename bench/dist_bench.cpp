// Data-parallel training speed (docs/distributed.md): for one model on every rank of
// `mpirun -np N` (or one process, a world of one), ms per step, images/s and what the
// gradient all-reduce costs per step, with the all-reduce overlapping backward and after it;
// then the time of one MPI_Allreduce against its size, which the ring model is fitted to.
//   mpirun -np 2 --oversubscribe build/bench/dist_bench --model cnn_bn --batch 32
// Synthetic MNIST-shaped data; one BLAS thread per rank unless --threads says otherwise.
#include "apps/shared/models.h"
#include "apps/shared/optimizer_config.h"
#include "apps/shared/train_step.h"

#include <CLI/CLI.hpp>
#include <mpi.h>
#include <nabla.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <vector>

using namespace nabla;
using namespace nabla::apps;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct StepResult {
    double ms_per_step = 0.0, images_per_s = 0.0, comm_ms = 0.0, finish_ms = 0.0, mbytes = 0.0;
};

// `steps` training steps on each rank's own synthetic batches, after `warmup` steps.
StepResult train_steps(const std::string& name, std::int64_t batch, int warmup, int steps, bool overlap,
                       bool sync_bn) {
    const bool bn = name.ends_with("_bn");
    const ModelKind kind = parse_model_kind(name.substr(0, name.find('_')));
    manual_seed(std::uint64_t(dist::rank()));  // other data on each rank; DataParallel evens the weights
    auto model = make_model(kind, bn);
    if (sync_bn) dist::convert_sync_batchnorm(*model);
    auto opt = make_optimizer(*model, {.name = "momentum", .lr = 0.01f, .momentum = 0.9f});
    dist::DataParallel ddp(*model, {.overlap = overlap});
    std::vector<data::Batch> batches;
    for (int b = 0; b < 8; ++b) {
        Tensor y = empty({batch});
        for (std::int64_t i = 0; i < batch; ++i) y.data()[i] = float((i + b) % 10);
        batches.push_back({randn({batch, 1, 28, 28}), y});
    }
    model->train();
    for (int i = 0; i < warmup; ++i) train_step(*model, *opt, batches[std::size_t(i) % batches.size()], kind);
    dist::barrier();
    ddp.reset_stats();
    const auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i) train_step(*model, *opt, batches[std::size_t(i) % batches.size()], kind);
    dist::barrier();
    const double secs = seconds_since(t0);
    const dist::CommStats& c = ddp.stats();
    StepResult r;
    r.ms_per_step = 1e3 * secs / steps;
    r.images_per_s = double(batch) * dist::world_size() * steps / secs;
    r.comm_ms = 1e3 * c.seconds / steps;
    r.finish_ms = 1e3 * c.finish_seconds / steps;
    r.mbytes = double(c.bytes) / steps / 1e6;
    return r;
}

// Median microseconds of one MPI_Allreduce of `floats` floats (in place, sum).
double allreduce_us(std::int64_t floats, int reps) {
    std::vector<float> buf(std::size_t(floats), 1.0f);
    std::vector<double> times;
    for (int i = 0; i < reps + 2; ++i) {
        MPI_Barrier(MPI_COMM_WORLD);
        const auto t0 = Clock::now();
        MPI_Allreduce(MPI_IN_PLACE, buf.data(), int(floats), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double t = seconds_since(t0);
        // The slowest rank's time: the collective ends for everyone when it ends for the last.
        MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (i >= 2) times.push_back(t * 1e6);
    }
    std::nth_element(times.begin(), times.begin() + std::ptrdiff_t(times.size() / 2), times.end());
    return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    use_fast_blas_kernels(argc, argv);  // may exec anew: before MPI starts
    dist::World world(argc, argv);
    std::string models = "cnn_bn";
    std::int64_t batch = 32;
    int steps = 40, warmup = 5, threads = 1;
    bool sync_bn = false, sweep = true;
    CLI::App app{"Data-parallel training speed and all-reduce cost, per world size (run under mpirun)."};
    app.add_option("--models", models, "comma-separated: mlp, mlp_bn, cnn, cnn_bn")->capture_default_str();
    app.add_option("--batch", batch, "images per rank per step")->capture_default_str();
    app.add_option("--steps", steps, "timed steps")->capture_default_str();
    app.add_option("--warmup", warmup, "untimed steps first")->capture_default_str();
    app.add_option("--threads", threads, "BLAS threads per rank")->capture_default_str();
    app.add_flag("--sync-bn", sync_bn, "SyncBatchNorm instead of per-rank BatchNorm");
    app.add_flag("--sweep,!--no-sweep", sweep, "time MPI_Allreduce from 1 KB to 16 MB (2+ ranks)");
    CLI11_PARSE(app, argc, argv);
    set_num_threads(threads);
    const bool leader = dist::rank() == 0;
    if (leader)
        fmt::print("{} rank(s), {} BLAS thread(s) each; {}\n", dist::world_size(), threads,
                   blas_description());
    std::stringstream list(models);
    for (std::string name; std::getline(list, name, ',');) {
        for (const bool overlap : {true, false}) {
            if (dist::world_size() == 1 && !overlap) continue;  // nothing to overlap
            const StepResult r = train_steps(name, batch, warmup, steps, overlap, sync_bn);
            if (leader)
                fmt::print(
                    "{:<7} ranks {} batch {}/rank {:<13} {:7.2f} ms/step {:8.0f} img/s  comm {:.3f} "
                    "ms/step (waiting after backward {:.3f})  {:.2f} MB all-reduced/step\n",
                    name, dist::world_size(), batch, overlap ? "overlapped" : "after backward", r.ms_per_step,
                    r.images_per_s, r.comm_ms, r.finish_ms, r.mbytes);
        }
    }
    if (sweep && dist::world_size() > 1) {
        for (std::int64_t bytes = 1024; bytes <= (std::int64_t(16) << 20); bytes *= 4) {
            const double us = allreduce_us(bytes / 4, bytes >= (std::int64_t(1) << 22) ? 10 : 40);
            if (leader)
                fmt::print("allreduce {:>9} bytes on {} ranks: {:9.1f} us\n", bytes, dist::world_size(), us);
        }
    }
    return 0;
}
