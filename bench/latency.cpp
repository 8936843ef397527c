// Single-image latency, the deployment case: batch 1, eval mode, no gradients, one
// forward after another, median and percentiles of the wall time of each.
//   build/bench/latency                       # cnn_bn, 2000 forwards, default threads
//   build/bench/latency --threads 1 --models cnn,cnn_bn --json out.jsonl
// bench/torch_bench.py --latency N measures PyTorch the same way; bench/compare-latency
// alternates the two.
#include "apps/shared/models.h"

#include <CLI/CLI.hpp>
#include <nabla.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <optional>

using namespace nabla;
using namespace nabla::apps;

namespace {

using Clock = std::chrono::steady_clock;

double percentile(const std::vector<double>& sorted, double p) {
    const auto i = static_cast<std::size_t>(p * double(sorted.size() - 1) + 0.5);
    return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    use_fast_blas_kernels(argc, argv);
    std::vector<std::string> models{"cnn_bn"};
    int forwards = 2000, warmup = 50, threads = 0;
    std::string json;
    CLI::App app{"nabla single-image latency (batch 1, eval, no grad)."};
    app.add_option("--models", models, "models to time")
        ->delimiter(',')
        ->check(CLI::IsMember({"mlp", "mlp_bn", "cnn", "cnn_bn"}));
    app.add_option("--forwards", forwards, "timed forwards per model")->capture_default_str();
    app.add_option("--warmup", warmup, "untimed forwards first")->capture_default_str();
    app.add_option("--threads", threads, "threads (0: OMP_NUM_THREADS or every core)");
    app.add_option("--json", json, "append one JSON line per model to this file");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        NABLA_CHECK(forwards >= 1 && warmup >= 0 && threads >= 0, "latency",
                    "invalid --forwards {} / --warmup {} / --threads {}", forwards, warmup, threads);
        if (threads > 0) set_num_threads(threads);
        std::optional<AppendFile> out;
        if (!json.empty()) out.emplace(json, "latency");
        fmt::print("{}\n", blas_description());
        for (const auto& name : models) {
            const ModelKind kind = parse_model_kind(name.substr(0, name.find('_')));
            manual_seed(0);
            auto model = make_model(kind, name.ends_with("_bn"));
            model->eval();
            NoGradGuard no_grad;
            const Tensor x = model_input(randn({1, 1, 28, 28}), kind);
            float sink = 0.0f;  // read every output, so no forward is skipped
            for (int i = 0; i < warmup; ++i) sink += (*model)(x).data()[0];
            std::vector<double> us;
            us.reserve(static_cast<std::size_t>(forwards));
            for (int i = 0; i < forwards; ++i) {
                const auto t0 = Clock::now();
                sink += (*model)(x).data()[0];
                us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
            }
            std::sort(us.begin(), us.end());
            const double med = percentile(us, 0.5), p90 = percentile(us, 0.9), p99 = percentile(us, 0.99);
            fmt::print(
                "{:<8} batch 1, {} threads: median {:.1f} us, p90 {:.1f} us, p99 {:.1f} us, max {:.1f} us"
                " (output sum {:g})\n",
                name, get_num_threads(), med, p90, p99, us.back(), sink);
            if (out)
                out->append(nlohmann::json{{"model", name},
                                           {"threads", get_num_threads()},
                                           {"median_us", med},
                                           {"p90_us", p90},
                                           {"p99_us", p99},
                                           {"max_us", us.back()}}
                                .dump() +
                            '\n');
        }
        return 0;
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
}
