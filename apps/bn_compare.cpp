// The bundled with/without-BatchNorm comparison on real MNIST.
//   scripts/compare                          # = build/apps/bn_compare --quick, under 10 minutes
//   build/apps/bn_compare --full             # 3 seeds, longer runs, the paper's 50,000 steps
// Writes reports/bn_compare-<mode>/report.html (charts), report.md and CSV files, and prints
// the summary table. Each pair trains the same model with and without BN under the same
// seed, data order, optimizer and learning rate.
#include "apps/study/report.h"
#include "apps/study/run.h"

#include <CLI/CLI.hpp>
#include <nabla.h>

#include <ctime>
#include <fstream>
#include <thread>

#ifndef NABLA_GIT_REVISION
#define NABLA_GIT_REVISION "unknown"
#endif

using namespace nabla;
using namespace nabla::apps;

namespace {

// How long each experiment trains and how often it is measured, in steps. At batch 64 an
// epoch of MNIST is 937 steps.
struct Plan {
    std::vector<std::uint64_t> seeds;
    std::int64_t mlp_steps = 0, cnn_steps = 0, high_lr_steps = 0, ioffe_steps = 0;
    std::int64_t eval_every = 0;        // test accuracy, every experiment but ioffe
    std::int64_t ioffe_eval_every = 0;  // test accuracy of ioffe
    std::int64_t percentile_every = 0;  // ioffe's sigmoid-input percentiles
};

const Plan kQuickPlan{.seeds = {0},
                      .mlp_steps = 1874,  // 2 epochs
                      .cnn_steps = 937,   // 1 epoch
                      .high_lr_steps = 937,
                      .ioffe_steps = 5000,
                      .eval_every = 200,
                      .ioffe_eval_every = 250,
                      .percentile_every = 100};
const Plan kFullPlan{.seeds = {0, 1, 2},
                     .mlp_steps = 9370,      // 10 epochs
                     .cnn_steps = 3748,      // 4 epochs
                     .high_lr_steps = 2811,  // 3 epochs
                     .ioffe_steps = 50000,   // as in the paper
                     .eval_every = 500,
                     .ioffe_eval_every = 1000,
                     .percentile_every = 500};

// The runs of the study, in order: each experiment trains its model without, then with BN,
// for every seed.
std::vector<RunSpec> specs(const Plan& p, const std::vector<std::string>& experiments, float high_lr) {
    std::vector<RunSpec> out;
    auto pair = [&](RunSpec spec) {
        if (std::find(experiments.begin(), experiments.end(), spec.experiment) == experiments.end()) return;
        for (auto seed : p.seeds)
            for (bool bn : {false, true}) {
                spec.bn = bn;
                spec.seed = seed;
                out.push_back(spec);
            }
    };
    const OptimizerConfig momentum{.name = "momentum", .lr = 0.01f, .momentum = 0.9f};
    pair({.experiment = "mlp",
          .kind = ModelKind::mlp,
          .optimizer = momentum,
          .batch_size = 64,
          .steps = p.mlp_steps,
          .eval_every = p.eval_every});
    pair({.experiment = "cnn",
          .kind = ModelKind::cnn,
          .optimizer = momentum,
          .batch_size = 64,
          .steps = p.cnn_steps,
          .eval_every = p.eval_every});
    pair({.experiment = "high_lr",
          .kind = ModelKind::mlp,
          .optimizer = {.name = "momentum", .lr = high_lr, .momentum = 0.9f},
          .batch_size = 64,
          .steps = p.high_lr_steps,
          .eval_every = p.eval_every});
    // Ioffe & Szegedy 2015, section 4.1: batch 60, plain SGD (the paper gives no rate; 0.1 here).
    pair({.experiment = "ioffe",
          .kind = ModelKind::ioffe,
          .optimizer = {.name = "sgd", .lr = 0.1f, .momentum = 0.0f},
          .batch_size = 60,
          .steps = p.ioffe_steps,
          .eval_every = p.ioffe_eval_every,
          .percentile_every = p.percentile_every});
    return out;
}

std::string machine() {
    std::ifstream f("/proc/cpuinfo");
    std::string line, model = "unknown CPU";
    while (std::getline(f, line))
        if (line.starts_with("model name")) {
            model = line.substr(line.find(':') + 2);
            break;
        }
    return fmt::format("{}, {} hardware threads", model, std::thread::hardware_concurrency());
}

std::string now() {
    char buf[64];
    const std::time_t t = std::time(nullptr);
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
    return buf;
}

}  // namespace

int main(int argc, char** argv) {
    use_fast_blas_kernels(argc, argv);
    bool full = false;
    std::string data_dir = "data/mnist", out;
    std::vector<std::string> experiments{"mlp", "cnn", "high_lr", "ioffe"};
    int threads = 0, seeds = 0;
    std::int64_t max_steps = 0, limit_train = 0, limit_test = 0;
    float high_lr = 0.5f;
    bool quiet = false;
    CLI::App app{"Train MNIST models with and without BatchNorm and write a report."};
    app.add_flag("--full,!--quick", full,
                 "the full study (3 seeds, longer runs) instead of --quick (default)");
    app.add_option("--data", data_dir, "directory with the four MNIST IDX files")->capture_default_str();
    app.add_option("--out", out, "output directory (default reports/bn_compare-<mode>)");
    app.add_option("--experiments", experiments, "any of mlp cnn high_lr ioffe")
        ->check(CLI::IsMember({"mlp", "cnn", "high_lr", "ioffe"}))
        ->delimiter(',');
    app.add_option("--seeds", seeds, "number of seeds (default 1 quick, 3 full)");
    app.add_option("--high-lr", high_lr, "learning rate of the high-learning-rate pair")
        ->capture_default_str();
    app.add_option("--max-steps", max_steps, "cap every run at N steps (for smoke tests)");
    app.add_option("--limit-train", limit_train, "use only the first N training images");
    app.add_option("--limit-test", limit_test, "use only the first N test images");
    app.add_option("--threads", threads, "BLAS threads (0: OpenBLAS default)");
    app.add_flag("--quiet", quiet, "no progress bars");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        NABLA_CHECK(max_steps >= 0 && seeds >= 0 && threads >= 0, "bn_compare",
                    "negative --max-steps, --seeds or --threads");
        NABLA_CHECK(high_lr > 0.0f, "bn_compare", "invalid --high-lr {}", high_lr);
        if (threads > 0) set_num_threads(threads);
        Plan plan = full ? kFullPlan : kQuickPlan;
        if (seeds > 0) {
            plan.seeds.clear();
            for (int s = 0; s < seeds; ++s) plan.seeds.push_back(std::uint64_t(s));
        }
        std::vector<RunSpec> runs = specs(plan, experiments, high_lr);
        if (max_steps > 0)
            for (auto& r : runs) {
                r.steps = std::min(r.steps, max_steps);
                r.eval_every = std::max<std::int64_t>(1, std::min(r.eval_every, r.steps / 4));
                if (r.percentile_every > 0) r.percentile_every = std::max<std::int64_t>(1, r.steps / 10);
                r.log_every = std::max<std::int64_t>(1, std::min<std::int64_t>(r.log_every, r.steps / 10));
            }
        const std::string dir = data::find_mnist_dir(data_dir).string();
        const data::MNIST train(dir, data::Split::train, {.limit = limit_train});
        const data::MNIST test(dir, data::Split::test, {.limit = limit_test});
        if (out.empty()) out = full ? "reports/bn_compare-full" : "reports/bn_compare-quick";
        fmt::print("bn_compare --{}: {} runs, {}; report in {}\n", full ? "full" : "quick", runs.size(),
                   blas_description(), out);

        std::vector<RunResult> results;
        for (const RunSpec& spec : runs) {
            results.push_back(run_study(spec, train, test, quiet));
            const RunResult& r = results.back();
            fmt::print("{} {} seed {}: test accuracy {:.2f}% after {} steps{}, {:.1f} s/epoch\n",
                       spec.experiment, r.name, spec.seed, 100 * final_accuracy(r), r.steps_done,
                       r.diverged ? " (diverged)" : "", r.seconds_per_epoch);
        }
        std::string command;
        for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
        const ReportContext ctx{full ? "full" : "quick", command, machine(), blas_description(),
                                NABLA_GIT_REVISION,      now()};
        const std::string table = write_report(out, ctx, results);
        fmt::print("\n{}\nreport: {}/report.html (and report.md, CSV files)\n", table, out);
        return 0;
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
}
