// nabla's benchmark: ms per training iteration of the MNIST models, inference
// throughput, the main kernels, peak RSS, and the BLAS kernel in use.
//   build/bench/nabla_bench                       # everything, human-readable table
//   build/bench/nabla_bench --models cnn_bn --iters 100 --json out.jsonl
//   build/bench/nabla_bench --epoch --data data/mnist   # also seconds per real MNIST epoch
// A training iteration is forward + backward + SGD-momentum step at batch 64 (--batch), as
// in PyTorch's reference script (bench/torch_bench.py), so the two compare directly. Each
// model's line also gives the GFLOP/s its matrix products reach at the median iteration
// time, against the machine's sgemm peak measured first.
#include "apps/shared/models.h"
#include "apps/shared/optimizer_config.h"
#include "apps/shared/train_step.h"

#include <CLI/CLI.hpp>
#include <nabla.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <numeric>
#include <optional>

using namespace nabla;
using namespace nabla::apps;

namespace {

using Clock = std::chrono::steady_clock;

struct Timing {
    double median, min, max;
};

Timing time_ms(const std::function<void()>& fn, int warmup, int iters) {
    for (int i = 0; i < warmup; ++i) fn();
    std::vector<double> t;
    for (int i = 0; i < iters; ++i) {
        const auto t0 = Clock::now();
        fn();
        t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::sort(t.begin(), t.end());
    return {t[t.size() / 2], t.front(), t.back()};
}

double peak_rss_mib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_maxrss) / 1024.0;
}

// Synthetic MNIST-shaped data: benchmarks need no download.
data::TensorDataset synthetic(std::int64_t n) {
    Tensor x = randn({n, 1, 28, 28});
    Tensor y = empty({n});
    for (std::int64_t i = 0; i < n; ++i) y.data()[i] = float(i % 10);
    return data::TensorDataset(x, y);
}

struct Out {
    std::optional<AppendFile> json;  // --json: one line per measurement, each appended whole
    void emit(const nlohmann::json& j) {
        if (json) json->append(j.dump() + '\n');
    }
};

void bench_model(const std::string& name, std::int64_t batch, double peak_gflops, int warmup, int iters,
                 Out& out) {
    const bool bn = name.ends_with("_bn");
    const ModelKind kind = parse_model_kind(name.substr(0, name.find('_')));
    manual_seed(0);
    auto model = make_model(kind, bn);
    auto opt = make_optimizer(*model, {.name = "momentum", .lr = 0.01f, .momentum = 0.9f});
    const auto ds = synthetic(batch * 16);
    std::vector<data::Batch> batches;
    for (std::int64_t b = 0; b < 16; ++b) {
        std::vector<std::int64_t> idx(static_cast<std::size_t>(batch));
        std::iota(idx.begin(), idx.end(), b * batch);
        batches.push_back(ds.get_batch(idx));
    }
    model->train();
    std::size_t k = 0;
    const std::uint64_t flops0 = gemm_flop_count();
    const Timing train =
        time_ms([&] { train_step(*model, *opt, batches[k++ % batches.size()], kind); }, warmup, iters);
    // The matrix products' share of the work, at the median iteration time.
    const double flops_per_iter = double(gemm_flop_count() - flops0) / double(warmup + iters);
    const double gflops = flops_per_iter / (train.median * 1e6);
    // Inference: eval mode, batch 1000.
    const auto big = synthetic(1000);
    std::vector<std::int64_t> idx(1000);
    std::iota(idx.begin(), idx.end(), 0);
    const data::Batch b = big.get_batch(idx);
    model->eval();
    NoGradGuard no_grad;
    const int infer_warmup = 2, infer_iters = std::max(5, iters / 20);
    const std::uint64_t infer_flops0 = gemm_flop_count();
    const Timing infer = time_ms([&] { (*model)(model_input(b.x, kind)); }, infer_warmup, infer_iters);
    const double infer_flops_per_image =
        double(gemm_flop_count() - infer_flops0) / double(infer_warmup + infer_iters) / 1000.0;
    const double img_per_s = 1000.0 / (infer.median / 1000.0);
    fmt::print(
        "{:<8} train iter (batch {}) {:8.3f} ms  [min {:.3f}, max {:.3f}]  {:5.1f} GFLOP/s ({:.0f}% of peak)"
        "   inference {:9.0f} img/s\n",
        name, batch, train.median, train.min, train.max, gflops, 100.0 * gflops / peak_gflops, img_per_s);
    out.emit({{"kind", "model"},
              {"model", name},
              {"batch", batch},
              {"train_iter_ms_median", train.median},
              {"train_iter_ms_min", train.min},
              {"train_iter_ms_max", train.max},
              {"ms_per_image", train.median / double(batch)},
              {"gemm_gflops", gflops},
              {"gemm_flops_per_iter", flops_per_iter},
              {"infer_gemm_flops_per_image", infer_flops_per_image},
              {"infer_img_per_s", img_per_s},
              {"iters", iters}});
}

// Returns the GFLOP/s of the median call; `best` also gets the fastest call's, the
// machine's peak for the 1024^3 product (a median would count other processes' noise).
double bench_sgemm(std::int64_t M, std::int64_t N, std::int64_t K, int iters, Out& out, bool print = true,
                   double* best = nullptr, GemmKernel kernel = default_gemm_kernel()) {
    Tensor a = randn({M, K}), b = randn({K, N}), c = empty({M, N});
    const Timing t =
        time_ms([&] { gemm_with(kernel, false, false, M, N, K, 1.0f, a.data(), b.data(), 0.0f, c.data()); },
                3, iters);
    const double flop = 2.0 * double(M) * double(N) * double(K);
    const double gflops = flop / (t.median * 1e6);
    if (best) *best = flop / (t.min * 1e6);
    if (print) fmt::print("sgemm {}x{}x{}: {:.3f} ms, {:.1f} GFLOP/s\n", M, N, K, t.median, gflops);
    out.emit({{"kind", "sgemm"}, {"M", M}, {"N", N}, {"K", K}, {"ms", t.median}, {"gflops", gflops}});
    return gflops;
}

void bench_kernel(const std::string& name, const std::function<void()>& fn, int iters, Out& out) {
    const Timing t = time_ms(fn, 3, iters);
    fmt::print("{:<44} {:8.3f} ms\n", name, t.median);
    out.emit({{"kind", "kernel"}, {"name", name}, {"ms", t.median}});
}

void bench_kernels(int iters, Out& out) {
    auto leaf = [](Shape s) { return randn(s).requires_grad_(); };
    Tensor x1 = leaf({64, 1, 28, 28}), w1 = leaf({32, 1, 3, 3});
    Tensor x2 = leaf({64, 32, 14, 14}), w2 = leaf({64, 32, 3, 3});
    for (auto [label, x, w] :
         {std::tuple{"conv2d 1->32 28x28", x1, w1}, std::tuple{"conv2d 32->64 14x14", x2, w2}}) {
        bench_kernel(
            fmt::format("{} forward (batch 64)", label),
            [&] {
                NoGradGuard g;
                conv2d(x, w, Tensor(), 1, 1);
            },
            iters, out);
        bench_kernel(
            fmt::format("{} forward+backward", label),
            [&] {
                Tensor y = conv2d(x, w, Tensor(), 1, 1);
                y.backward(ones(y.shape()));
            },
            iters, out);
    }
    Tensor h = leaf({64, 32, 28, 28}), g = ones({32}).requires_grad_(), be = zeros({32}).requires_grad_();
    Tensor rm = zeros({32}), rv = ones({32});
    bench_kernel(
        "batch_norm [64,32,28,28] forward",
        [&] {
            NoGradGuard n;
            batch_norm(h, g, be, rm, rv, {});
        },
        iters, out);
    bench_kernel(
        "batch_norm [64,32,28,28] forward+backward",
        [&] {
            Tensor y = batch_norm(h, g, be, rm, rv, {});
            y.backward(ones(y.shape()));
        },
        iters, out);
    bench_kernel(
        "max_pool2d [64,32,28,28] forward+backward",
        [&] {
            Tensor y = max_pool2d(h, 2);
            y.backward(ones(y.shape()));
        },
        iters, out);
    Tensor logits = leaf({64, 10}), labels = zeros({64});
    bench_kernel(
        "cross_entropy [64,10] forward+backward", [&] { cross_entropy(logits, labels).backward(); }, iters,
        out);
}

// One model's training iteration split by op (autograd's optional profile), medians of
// nothing: totals over `iters` iterations divided by iters.
void profile_model(const std::string& name, int warmup, int iters, Out& out) {
    const bool bn = name.ends_with("_bn");
    const ModelKind kind = parse_model_kind(name.substr(0, name.find('_')));
    manual_seed(0);
    auto model = make_model(kind, bn);
    auto opt = make_optimizer(*model, {.name = "momentum", .lr = 0.01f, .momentum = 0.9f});
    const auto ds = synthetic(64);
    std::vector<std::int64_t> idx(64);
    std::iota(idx.begin(), idx.end(), 0);
    const data::Batch b = ds.get_batch(idx);
    model->train();
    double step_ms = 0.0, total_ms = 0.0;
    for (int i = 0; i < warmup + iters; ++i) {
        if (i == warmup) reset_op_profile();
        const auto t0 = Clock::now();
        set_op_profiling(true);
        const Tensor loss = nn::cross_entropy((*model)(model_input(b.x, kind)), b.y);
        (void)loss.item();
        opt->zero_grad();
        loss.backward();
        set_op_profiling(false);
        const auto t1 = Clock::now();
        opt->step();
        const auto t2 = Clock::now();
        if (i >= warmup) {
            step_ms += std::chrono::duration<double, std::milli>(t2 - t1).count();
            total_ms += std::chrono::duration<double, std::milli>(t2 - t0).count();
        }
    }
    fmt::print("profile of one {} training iteration (mean of {}), ms:\n", name, iters);
    fmt::print("  {:<22} {:>6} {:>9} {:>9} {:>7}\n", "op", "calls", "forward", "backward", "share");
    for (const OpProfile& p : op_profile()) {
        const double f = p.forward_ms / iters, bw = p.backward_ms / iters;
        fmt::print("  {:<22} {:>6} {:9.3f} {:9.3f} {:6.1f}%\n", p.op, p.calls / (iters), f, bw,
                   100.0 * (f + bw) / (total_ms / iters));
        out.emit(
            {{"kind", "profile"}, {"model", name}, {"op", p.op}, {"forward_ms", f}, {"backward_ms", bw}});
    }
    fmt::print("  {:<22} {:>6} {:9.3f} {:>9} {:6.1f}%\n", "optimizer step", 1, step_ms / iters, "",
               100.0 * step_ms / total_ms);
    fmt::print("  {:<22} {:>6} {:9.3f}\n", "total", "", total_ms / iters);
}

void bench_epoch(const std::string& dir, const std::vector<std::string>& models, Out& out) {
    const data::MNIST train(data::find_mnist_dir(dir).string(), data::Split::train);
    for (const auto& name : models) {
        const bool bn = name.ends_with("_bn");
        const ModelKind kind = parse_model_kind(name.substr(0, name.find('_')));
        manual_seed(0);
        auto model = make_model(kind, bn);
        auto opt = make_optimizer(*model, {.name = "momentum", .lr = 0.01f, .momentum = 0.9f});
        data::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .drop_last = false, .seed = 0});
        model->train();
        const auto t0 = Clock::now();
        for (const data::Batch& b : loader) train_step(*model, *opt, b, kind);
        const double s = std::chrono::duration<double>(Clock::now() - t0).count();
        fmt::print("{:<8} one MNIST epoch: {:.2f} s ({:.0f} samples/s)\n", name, s, double(train.size()) / s);
        out.emit({{"kind", "epoch"}, {"model", name}, {"seconds", s}});
    }
}

}  // namespace

int main(int argc, char** argv) {
    use_fast_blas_kernels(argc, argv);
    std::vector<std::string> models{"mlp", "mlp_bn", "cnn", "cnn_bn"};
    int iters = 200, warmup = 20, threads = 0;
    std::int64_t batch = 64;
    bool epoch = false, no_kernels = false, kernel_only = false;
    std::string data_dir = "data/mnist", json, profile;
    CLI::App app{"nabla benchmark: models, kernels, BLAS."};
    app.add_option("--models", models, "models to time")
        ->delimiter(',')
        ->check(CLI::IsMember({"mlp", "mlp_bn", "cnn", "cnn_bn"}));
    app.add_option("--iters", iters, "timed training iterations per model")->capture_default_str();
    app.add_option("--warmup", warmup, "untimed iterations first")->capture_default_str();
    app.add_option("--batch", batch, "training batch size")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--threads", threads, "threads (0: OMP_NUM_THREADS or every core)");
    app.add_flag("--epoch", epoch, "also time one real MNIST epoch per model (needs --data)");
    app.add_option("--profile", profile, "print one model's training iteration split by op, then exit")
        ->check(CLI::IsMember({"mlp", "mlp_bn", "cnn", "cnn_bn"}));
    app.add_flag("--no-kernels", no_kernels, "skip the kernel timings");
    app.add_flag("--blas-kernel", kernel_only, "print only the OpenBLAS kernel nabla runs with, then exit");
    app.add_option("--data", data_dir, "MNIST directory for --epoch")->capture_default_str();
    app.add_option("--json", json, "append one JSON line per measurement to this file");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        NABLA_CHECK(iters >= 1 && warmup >= 0 && threads >= 0, "nabla_bench",
                    "invalid --iters/--warmup/--threads");
        if (threads > 0) set_num_threads(threads);
        if (kernel_only) {
            fmt::print("{}\n", blas_core_name());
            return 0;
        }
        Out out;
        if (!json.empty()) out.json.emplace(json, "nabla_bench");
        fmt::print("{}\n", blas_description());
        if (!profile.empty()) {
            profile_model(profile, warmup, iters, out);
            return 0;
        }
        // The peak is the faster of nabla's gemm and OpenBLAS's sgemm on this machine, so a
        // floor ratio never flatters nabla by measuring against the slower of the two.
        double nabla_peak = 0.0, openblas_peak = 0.0;
        bench_sgemm(1024, 1024, 1024, 20, out, false, &nabla_peak);
        bench_sgemm(1024, 1024, 1024, 20, out, false, &openblas_peak, GemmKernel::openblas);
        const double peak = std::max(nabla_peak, openblas_peak);
        fmt::print(
            "sgemm peak (1024^3): {:.1f} GFLOP/s (nabla's gemm, {} kernel: {:.1f}; OpenBLAS {}: {:.1f})\n",
            peak, gemm_kernel_name(default_gemm_kernel()), nabla_peak, blas_core_name(), openblas_peak);
        out.emit({{"kind", "blas"},
                  {"description", blas_description()},
                  {"core", blas_core_name()},
                  {"gemm_kernel", gemm_kernel_name(default_gemm_kernel())},
                  {"sgemm_peak_gflops", peak},
                  {"nabla_gemm_peak_gflops", nabla_peak},
                  {"openblas_peak_gflops", openblas_peak},
                  {"threads", get_num_threads()}});
        for (const auto& m : models) bench_model(m, batch, peak, warmup, iters, out);
        if (!no_kernels) {
            bench_sgemm(64, 256, 784, iters, out);
            bench_sgemm(64, 256, 256, iters, out);
            bench_kernels(std::max(5, iters / 4), out);
        }
        if (epoch) bench_epoch(data_dir, models, out);
        fmt::print("peak RSS {:.0f} MiB\n", peak_rss_mib());
        out.emit({{"kind", "rss"}, {"peak_rss_mib", peak_rss_mib()}});
        return 0;
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
}
