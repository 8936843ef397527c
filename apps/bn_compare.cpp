// The BatchNorm study: each claim users read about BatchNorm tested on nabla's own runs,
// with a verdict computed from the numbers.
//   scripts/compare                            # = build/apps/bn_compare --quick, under 10 minutes
//   build/apps/bn_compare --full               # more seeds, longer runs, about two hours
//   build/apps/bn_compare --experiments bias,ioffe --dataset fashion-mnist
// Writes <out>/report.html, report.md (with its SVG charts), verdicts.csv and runs/*.json,
// one file per completed run: a rerun with the same --out skips those (--fresh: start over).
#include "apps/study/experiments/experiments.h"
#include "apps/study/report.h"
#include "apps/study/study_runner.h"

#include <CLI/CLI.hpp>
#include <nabla.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#ifndef NABLA_GIT_REVISION
#define NABLA_GIT_REVISION "unknown"
#endif
#ifndef NABLA_SOURCE_DIR
#define NABLA_SOURCE_DIR "."
#endif

using namespace nabla;
using namespace nabla::apps;

namespace {

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
    bool full = false, quiet = false, fresh = false;
    std::string data_dir, dataset_name = "mnist", out;
    std::vector<std::string> experiments = experiment_keys();
    int threads = 0;
    Scale scale;
    std::int64_t limit_test = 0;
    CLI::App app{
        "Test the claims made about BatchNorm on MNIST runs and write a report with a verdict for each."};
    app.add_flag("--full,!--quick", full,
                 "the full study (about two hours) instead of --quick (default, minutes)");
    app.add_option("--dataset", dataset_name, "mnist or fashion-mnist")
        ->check(CLI::IsMember({"mnist", "fashion-mnist"}))
        ->capture_default_str();
    app.add_option("--data", data_dir,
                   "directory with the four IDX files (default: data/mnist, or data/fashion-mnist then "
                   "/usr/share/datasets/fashion-mnist for fashion-mnist)");
    app.add_option("--out", out, "output directory (default reports/bn_compare-<mode>[-fashion-mnist])");
    app.add_option("--experiments", experiments, fmt::format("any of {}", fmt::join(experiment_keys(), ",")))
        ->check(CLI::IsMember(experiment_keys()))
        ->delimiter(',');
    app.add_flag("--fresh", fresh, "forget the runs stored in the output directory and run everything again");
    app.add_option("--seeds", scale.seeds, "seeds for every claim (default: each claim's own, 2 to 3 quick)");
    app.add_option("--max-steps", scale.max_steps, "cap every run at N steps (for smoke tests)");
    app.add_option("--limit-train", scale.limit, "use at most N training images in every run");
    app.add_option("--limit-test", limit_test, "use only the first N test images");
    app.add_option("--threads", threads, "BLAS threads (0: OpenBLAS default)");
    app.add_flag("--quiet", quiet, "no progress lines");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        NABLA_CHECK(
            scale.max_steps >= 0 && scale.seeds >= 0 && threads >= 0 && scale.limit >= 0 && limit_test >= 0,
            "bn_compare", "negative --max-steps, --seeds, --threads, --limit-train or --limit-test");
        if (threads > 0) set_num_threads(threads);
        scale.full = full;
        const data::DatasetName id = data::parse_dataset_name(dataset_name);
        const data::DatasetInfo& info = data::dataset_info(id);
        std::string dir;
        try {
            dir = data::find_dataset_dir(id, data_dir).string();
        } catch (const Error& e) {
            throw e.with_context("--data");
        }
        data::MNISTOptions options = data::dataset_options(id);
        options.limit = scale.limit;
        const data::MNIST train(dir, data::Split::train, options);
        options.limit = limit_test;
        const data::MNIST test(dir, data::Split::test, options);
        // The "steps to" targets are accuracies the runs reach: lower on Fashion-MNIST, which is
        // harder, and in the quick study, whose runs are a fraction of an epoch.
        const bool fashion = id == data::DatasetName::fashion_mnist;
        const StudyData study{train, test, info.title, fashion ? (full ? 0.85 : 0.80) : (full ? 0.97 : 0.95),
                              fashion ? (full ? 0.88 : 0.85) : (full ? 0.98 : 0.97)};
        if (out.empty())
            out = fmt::format("reports/bn_compare-{}{}", full ? "full" : "quick",
                              fashion ? "-fashion-mnist" : "");

        const std::vector<Experiment> chosen = make_experiments(experiments, study, scale);
        const RunCache cache(out, fresh);
        size_t jobs = 0;
        for (const auto& e : chosen) jobs += e.jobs.size();
        if (!quiet)
            fmt::print("bn_compare --{} on {}: {} claims, {} runs; {}; report in {}\n",
                       full ? "full" : "quick", info.title, chosen.size(), jobs, blas_description(), out);
        const StudyRun done = run_jobs(chosen, cache, quiet);

        std::vector<ClaimReport> claims;
        for (const Experiment& e : chosen) claims.push_back({&e, e.report(done.results)});
        std::string command;
        for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
        // The report links a copy of docs/batchnorm.md beside it, so the folder can be moved
        // or shared whole; without the checkout beside it, the link is the path it expected.
        std::error_code ec;
        const auto docs = std::filesystem::path(NABLA_SOURCE_DIR) / "docs/batchnorm.md";
        std::string docs_link = "batchnorm.md";
        std::filesystem::copy_file(docs, std::filesystem::path(out) / docs_link,
                                   std::filesystem::copy_options::overwrite_existing, ec);
        if (ec) docs_link = std::filesystem::absolute(docs).string();
        const ReportContext ctx{.mode = full ? "full" : "quick",
                                .dataset = info.title,
                                .command = command,
                                .machine = machine(),
                                .blas = blas_description(),
                                .revision = NABLA_GIT_REVISION,
                                .date = now(),
                                .docs_link = docs_link,
                                .seconds = done.seconds,
                                .cached_runs = done.cached,
                                .total_runs = done.total};
        const std::string table = write_report(out, ctx, claims);
        fmt::print("\n{}\nreport: {}/report.html (and report.md, verdicts.csv, runs/*.json)\n", table, out);
        return 0;
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
}
