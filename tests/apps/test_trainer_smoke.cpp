// Each trainer runs on the tests' own tiny MNIST-like data and learns; --metrics,
// --quiet and --eval-only behave as documented.
#include "support/app_checks.h"
#include "support/tiny_mnist.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <regex>
#include <sstream>

using namespace nabla;
using namespace nabla::test;

namespace {

// The test loss of the last "epoch N: ..., test loss L, ..." line, as printed.
std::string last_epoch_test_loss(const std::string& out) {
    static const std::regex re(R"(epoch \d+: .*test loss ([0-9.]+),)");
    std::string loss;
    for (std::sregex_iterator it(out.begin(), out.end(), re), end; it != end; ++it) loss = (*it)[1];
    return loss;
}

// The test accuracy of the last "epoch N: ..., test accuracy X%" line.
double last_epoch_accuracy(const std::string& out) {
    static const std::regex re(R"(epoch \d+: .*test accuracy ([0-9.]+)%)");
    double acc = -1.0;
    for (std::sregex_iterator it(out.begin(), out.end(), re), end; it != end; ++it) acc = std::stod((*it)[1]);
    return acc;
}

}  // namespace

TEST_CASE("mnist_mlp learns the tiny dataset in one epoch, with and without BN", "[apps][trainer]") {
    const TinyMnist tiny;
    for (const char* bn : {"--bn", "--no-bn"}) {
        INFO(bn);
        const AppResult r = run_app(mnist_mlp_path(), tiny.args({bn, "--epochs", "1"}));
        REQUIRE(succeeded(r));
        INFO(r.out);
        // Chance is 10%.
        REQUIRE(last_epoch_accuracy(r.out) >= 60.0);
        REQUIRE_THAT(r.out, Catch::Contains(std::string(bn) == "--bn" ? "mlp_bn: " : "mlp: "));
    }
}

TEST_CASE("mnist_cnn learns the tiny dataset in one epoch, with and without BN", "[apps][trainer]") {
    const TinyMnist tiny;
    for (const char* bn : {"--bn", "--no-bn"}) {
        INFO(bn);
        const AppResult r = run_app(mnist_cnn_path(), tiny.args({bn, "--epochs", "1"}, 192));
        REQUIRE(succeeded(r));
        INFO(r.out);
        REQUIRE(last_epoch_accuracy(r.out) >= 60.0);
    }
}

TEST_CASE(
    "the metrics file (--metrics) holds one JSON line per logged step and per epoch with the documented "
    "fields",
    "[apps][trainer]") {
    const TinyMnist tiny;
    const std::string metrics = tiny.path("metrics.jsonl");
    // 320 images in batches of 32: 10 steps per epoch, a step line every 5 steps.
    REQUIRE(succeeded(
        run_app(mnist_mlp_path(), tiny.args({"--epochs", "2", "--metrics", metrics, "--log-every", "5"}))));
    const auto lines = json_lines(read_text(metrics));
    REQUIRE(lines.size() == 6);  // steps 5, 10, epoch 1, steps 15, 20, epoch 2
    int steps = 0, epochs = 0;
    for (const auto& j : lines) {
        INFO(j.dump());
        for (const char* key : {"step", "epoch", "loss", "accuracy", "lr", "samples_per_s"}) {
            INFO(key);
            REQUIRE(j.contains(key));
            REQUIRE(j[key].is_number());
        }
        REQUIRE(j["accuracy"].get<double>() >= 0.0);
        REQUIRE(j["accuracy"].get<double>() <= 1.0);
        // The default cosine schedule over 2 epochs: 0.01, then 0.01 * (1 + cos(pi / 2)) / 2.
        REQUIRE(j["lr"].get<double>() == Approx(j["epoch"] == 1 ? 0.01 : 0.005));
        REQUIRE(j["samples_per_s"].get<double>() > 0.0);
        steps += j["type"] == "step";
        epochs += j["type"] == "epoch";
    }
    REQUIRE(steps == 4);
    REQUIRE(epochs == 2);
    REQUIRE(lines[0]["step"] == 5);
    REQUIRE(lines[5]["step"] == 20);
    REQUIRE(lines[5]["epoch"] == 2);
}

TEST_CASE("quiet mode prints only the per-epoch lines and the summary, verbose mode the model once",
          "[apps][trainer]") {
    const TinyMnist tiny;
    const AppResult r = run_app(mnist_mlp_path(), tiny.args({"--epochs", "2", "--log-every", "1"}));
    REQUIRE(succeeded(r));
    INFO(r.out);
    std::istringstream in(r.out);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    REQUIRE(lines.size() == 3);
    REQUIRE_THAT(lines[0], Catch::StartsWith("mlp epoch 1: train loss"));
    REQUIRE_THAT(lines[1], Catch::StartsWith("mlp epoch 2: train loss"));
    REQUIRE_THAT(lines[2], Catch::Contains("parameters, best test accuracy"));
    REQUIRE(r.err.empty());

    // Without --quiet: progress lines appear; the model is printed only with --verbose, once.
    auto loud_args = tiny.args({"--epochs", "1", "--log-every", "1"});
    loud_args.erase(std::find(loud_args.begin(), loud_args.end(), "--quiet"));
    const AppResult loud = run_app(mnist_mlp_path(), loud_args);
    REQUIRE(succeeded(loud));
    REQUIRE_THAT(loud.out, Catch::Contains("mlp epoch 1/1 10/10 loss") && !Catch::Contains("Sequential"));
    REQUIRE(std::count(loud.out.begin(), loud.out.end(), '\n') > 5);
    loud_args.push_back("--verbose");
    const AppResult verbose = run_app(mnist_mlp_path(), loud_args);
    REQUIRE(succeeded(verbose));
    const auto trees = [](const std::string& text) {
        std::size_t n = 0;
        for (auto at = text.find("Sequential("); at != std::string::npos;
             at = text.find("Sequential(", at + 1))
            ++n;
        return n;
    };
    REQUIRE(trees(verbose.out) == 1);
    REQUIRE_THAT(verbose.out, Catch::Contains("(4): Linear(in=256, out=10, bias=true)"));
}

TEST_CASE("eval-only mode (--eval-only --resume) evaluates the checkpoint without training",
          "[apps][trainer][checkpoint]") {
    const TinyMnist tiny;
    const std::string ckpt = tiny.path("mlp_bn.safetensors");
    const AppResult trained = run_app(mnist_mlp_path(), tiny.args({"--bn", "--epochs", "1", "--save", ckpt}));
    REQUIRE(succeeded(trained));
    const double trained_acc = last_epoch_accuracy(trained.out);
    const std::string before = read_text(ckpt);

    const AppResult ev =
        run_app(mnist_mlp_path(), tiny.args({"--bn", "--eval-only", "--resume", ckpt, "--save", ckpt}));
    REQUIRE(succeeded(ev));
    INFO(ev.out);
    static const std::regex re(R"(mlp_bn: test loss ([0-9.]+), test accuracy ([0-9.]+)% \(200 images\))");
    std::smatch m;
    REQUIRE(std::regex_search(ev.out, m, re));
    // The same weights in eval mode on the same test set give the same accuracy.
    REQUIRE(m[1] == last_epoch_test_loss(trained.out));
    REQUIRE(std::stod(m[2]) == trained_acc);
    REQUIRE_THAT(ev.out, !Catch::Contains("epoch 2"));
    REQUIRE(read_text(ckpt) == before);
}
