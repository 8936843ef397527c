// mnist_resnet on the tests' own tiny MNIST-like data: it learns with and without BN
// and skips, prints its blocks, and resumes from its checkpoints; the other trainers
// take --optimizer rmsprop and --dataset fashion-mnist.
#include "apps/trainer/flags.h"
#include "support/app_checks.h"
#include "support/tiny_mnist.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <algorithm>
#include <regex>

using namespace nabla;
using namespace nabla::test;

namespace {

// The test accuracy of the last "epoch N: ..., test accuracy X%" line.
double last_epoch_accuracy(const std::string& out) {
    static const std::regex re(R"(epoch \d+: .*test accuracy ([0-9.]+)%)");
    double acc = -1.0;
    for (std::sregex_iterator it(out.begin(), out.end(), re), end; it != end; ++it) acc = std::stod((*it)[1]);
    return acc;
}

}  // namespace

// The tiny data set's classes differ only in where a bright block sits, which global
// average pooling must recover from the borders' zero padding: a few epochs at lr 0.2.
TEST_CASE("mnist_resnet learns the tiny dataset, with BN and skips by default", "[apps][trainer][resnet]") {
    const TinyMnist tiny;
    const AppResult r = run_app(mnist_resnet_path(), tiny.args({"--epochs", "3", "--lr", "0.2"}, 600));
    REQUIRE(succeeded(r));
    INFO(r.out);
    REQUIRE(last_epoch_accuracy(r.out) >= 60.0);  // chance is 10%
    REQUIRE_THAT(r.out, Catch::Contains("resnet8_bn: "));
}

// Two cases rather than one: ctest runs them side by side (under the sanitizers the two
// runs took 163 s one after the other).
TEST_CASE("mnist_resnet trains without skips", "[apps][trainer][resnet]") {
    const TinyMnist tiny;
    const AppResult plain =
        run_app(mnist_resnet_path(), tiny.args({"--plain", "--epochs", "3", "--lr", "0.2"}, 600));
    REQUIRE(succeeded(plain));
    INFO(plain.out);
    REQUIRE(last_epoch_accuracy(plain.out) >= 60.0);
    REQUIRE_THAT(plain.out, Catch::Contains("plain8_bn: "));
}

TEST_CASE("mnist_resnet trains without BN", "[apps][trainer][resnet]") {
    // Without BN it learns more slowly: twice the epochs for a lower bar.
    const TinyMnist tiny;
    const AppResult no_bn =
        run_app(mnist_resnet_path(), tiny.args({"--no-bn", "--epochs", "6", "--lr", "0.2"}, 600));
    REQUIRE(succeeded(no_bn));
    INFO(no_bn.out);
    REQUIRE(last_epoch_accuracy(no_bn.out) >= 40.0);
    REQUIRE_THAT(no_bn.out, Catch::Contains("resnet8: "));
}

TEST_CASE("mnist_resnet prints its residual blocks and takes --depth", "[apps][trainer][resnet]") {
    const TinyMnist tiny;
    std::vector<std::string> args =
        tiny.args({"--epochs", "1", "--max-steps", "1", "--verbose", "--depth", "14"});
    args.erase(std::find(args.begin(), args.end(), "--quiet"));
    const AppResult r = run_app(mnist_resnet_path(), args);
    REQUIRE(succeeded(r));
    REQUIRE_THAT(r.out, Catch::Contains("ResNet(depth=14, blocks_per_stage=2") &&
                            Catch::Contains("(downsample): Sequential(") &&
                            Catch::Contains("(avgpool): GlobalAvgPool2d()"));
    const AppResult bad = run_app(mnist_resnet_path(), tiny.args({"--depth", "10"}));
    REQUIRE(failed_cleanly(bad, "--depth must be 6n + 2"));
}

TEST_CASE("mnist_resnet resumes from its checkpoint and evaluates it", "[apps][trainer][resnet]") {
    const TinyMnist tiny;
    const std::string ckpt = tiny.path("resnet.safetensors");
    const AppResult first = run_app(mnist_resnet_path(), tiny.args({"--epochs", "1", "--save", ckpt}, 128));
    REQUIRE(succeeded(first));
    const AppResult resumed =
        run_app(mnist_resnet_path(), tiny.args({"--epochs", "2", "--resume", ckpt, "--save", ckpt}, 128));
    REQUIRE(succeeded(resumed));
    INFO(resumed.out);
    REQUIRE_THAT(resumed.out,
                 Catch::Contains("resnet8_bn epoch 2:") && !Catch::Contains("resnet8_bn epoch 1:"));
    const AppResult eval = run_app(mnist_resnet_path(), tiny.args({"--eval-only", "--resume", ckpt}, 128));
    REQUIRE(succeeded(eval));
    const std::string acc = fmt::format("test accuracy {:.2f}%", last_epoch_accuracy(resumed.out));
    REQUIRE_THAT(eval.out, Catch::Contains(acc));
}

TEST_CASE("the trainers take --optimizer rmsprop", "[apps][trainer][rmsprop]") {
    const TinyMnist tiny;
    const AppResult r =
        run_app(mnist_mlp_path(), tiny.args({"--epochs", "1", "--optimizer", "rmsprop", "--lr", "0.001"}));
    REQUIRE(succeeded(r));
    INFO(r.out);
    REQUIRE(last_epoch_accuracy(r.out) >= 60.0);
}

TEST_CASE("the trainers read --dataset fashion-mnist from --data or say how to get it",
          "[apps][trainer][datasets]") {
    const TinyMnist tiny;  // the same IDX layout stands in for Fashion-MNIST's files
    const AppResult r =
        run_app(mnist_cnn_path(), tiny.args({"--epochs", "1", "--dataset", "fashion-mnist"}, 192));
    REQUIRE(succeeded(r));
    REQUIRE(last_epoch_accuracy(r.out) >= 0.0);
    const std::string empty = tiny.path("nothing-here");
    std::filesystem::create_directories(empty);
    std::vector<std::string> args = tiny.args({"--dataset", "fashion-mnist"});
    args[1] = empty;  // --data
    REQUIRE(failed_cleanly(run_app(mnist_mlp_path(), args), "scripts/fetch-fashion-mnist"));
    REQUIRE(failed_cleanly(run_app(mnist_mlp_path(), tiny.args({"--dataset", "cifar10"})), "--dataset"));
}

TEST_CASE("mnist_resnet's flags: BN on, depth and plain, and momentum only when given",
          "[apps][flags][resnet]") {
    auto parse = [](std::vector<const char*> args) {
        args.insert(args.begin(), "mnist_resnet");
        return parse_trainer_flags(static_cast<int>(args.size()), args.data(), apps::ModelKind::resnet,
                                   {.epochs = 10, .lr = 0.1f, .bn = true, .batch_size = 128, .depth = 8});
    };
    const auto defaults = std::get<apps::Flags>(parse({}));
    CHECK(defaults.bn);
    CHECK(defaults.batch_size == 128);
    CHECK(defaults.resnet.depth == 8);
    CHECK_FALSE(defaults.resnet.plain);
    CHECK(defaults.dataset == "mnist");
    CHECK(defaults.data.empty());
    CHECK_FALSE(defaults.optimizer.momentum.has_value());  // each optimizer's own default
    const auto set =
        std::get<apps::Flags>(parse({"--no-bn", "--plain", "--depth", "20", "--optimizer", "rmsprop",
                                     "--momentum", "0.5", "--dataset", "fashion-mnist"}));
    CHECK_FALSE(set.bn);
    CHECK(set.resnet.plain);
    CHECK(set.resnet.depth == 20);
    CHECK(set.optimizer.name == "rmsprop");
    CHECK(set.optimizer.momentum == 0.5f);
    CHECK(set.dataset == "fashion-mnist");
    const auto bad = std::get<apps::FlagsExit>(parse({"--depth", "9"}));
    CHECK_THAT(bad.text, Catch::Contains("--depth must be 6n + 2 with n >= 1 (8, 14, 20, ...), got 9"));
    // The other trainers have no --depth.
    const char* mlp_args[] = {"mnist_mlp", "--depth", "14"};
    CHECK(std::holds_alternative<apps::FlagsExit>(
        parse_trainer_flags(3, mlp_args, apps::ModelKind::mlp, {.epochs = 1, .lr = 0.01f})));
}
