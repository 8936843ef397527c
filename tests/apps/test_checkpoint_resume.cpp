// Checkpoints: resuming gives bit-identical weights to an uninterrupted run, also
// after SIGKILL in the middle of a run; a damaged checkpoint is refused with a clear
// message and leaves the previous one usable.
#include "support/app_checks.h"
#include "support/tiny_mnist.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <csignal>
#include <thread>

using namespace nabla;
using namespace nabla::test;

namespace {

// Epoch and step recorded in a checkpoint.
std::string checkpoint_epoch(const std::string& path) { return load_safetensors(path).metadata.at("epoch"); }

void copy_prefix(const std::string& from, const std::string& to, size_t bytes) {
    const std::string all = read_text(from);
    const std::string part = all.substr(0, std::min(bytes, all.size()));
    write_file(to, Bytes(part.begin(), part.end()));
}

}  // namespace

TEST_CASE("2 epochs straight and 1 epoch + resume for 1 more save bit-identical checkpoints",
          "[apps][checkpoint]") {
    const TinyMnist tiny;
    // BN (running statistics are buffers) with momentum; no BN with Adam (two moments per parameter).
    for (const std::vector<std::string>& variant :
         {std::vector<std::string>{"--bn", "--optimizer", "momentum"},
          std::vector<std::string>{"--no-bn", "--optimizer", "adam", "--lr", "0.001"}}) {
        INFO(variant[0] << " " << variant[2]);
        const std::string a = tiny.path("a.safetensors"), b = tiny.path("b.safetensors");
        auto args = [&](std::vector<std::string> extra) {
            extra.insert(extra.end(), variant.begin(), variant.end());
            return tiny.args(extra);
        };
        REQUIRE(succeeded(run_app(mnist_mlp_path(), args({"--epochs", "2", "--save", a}))));
        REQUIRE(succeeded(run_app(mnist_mlp_path(), args({"--epochs", "1", "--save", b}))));
        REQUIRE(checkpoint_epoch(b) == "1");
        const AppResult resumed =
            run_app(mnist_mlp_path(), args({"--resume", b, "--epochs", "2", "--save", b}));
        REQUIRE(succeeded(resumed));
        REQUIRE_THAT(resumed.out, Catch::Contains("epoch 2:"));
        REQUIRE_THAT(resumed.out, !Catch::Contains("epoch 1:"));
        REQUIRE(same_tensors(a, b));
    }
}

TEST_CASE("a trainer killed with SIGKILL mid-run resumes from its last checkpoint to the same weights",
          "[apps][checkpoint][crash]") {
    const TinyMnist tiny;
    const std::string straight = tiny.path("straight.safetensors"), ckpt = tiny.path("killed.safetensors");
    const auto args = [&](std::vector<std::string> extra) {
        extra.insert(extra.end(), {"--bn", "--epochs", "12"});
        return tiny.args(extra, 256);
    };
    REQUIRE(succeeded(run_app(mnist_mlp_path(), args({"--save", straight}))));

    {
        AppProcess run(mnist_mlp_path(), args({"--save", ckpt}), tiny.dir.path());
        // The checkpoint appears by rename, complete; kill the run as soon as it exists.
        while (run.running() && !std::filesystem::exists(ckpt))
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        run.kill_now(SIGKILL);
        const AppResult killed = run.wait(std::chrono::seconds(60));
        INFO(killed.describe());
        REQUIRE_FALSE(killed.timed_out);
        if (killed.exited)
            WARN("the run finished before it could be killed; resuming a finished run");
        else
            REQUIRE(killed.signal == SIGKILL);
    }
    INFO("killed after epoch " << checkpoint_epoch(ckpt));
    const AppResult resumed = run_app(mnist_mlp_path(), args({"--resume", ckpt, "--save", ckpt}));
    REQUIRE(succeeded(resumed));
    REQUIRE(same_tensors(straight, ckpt));
}

TEST_CASE("a corrupt or truncated checkpoint is refused and the previous one stays usable",
          "[apps][checkpoint][crash]") {
    const TinyMnist tiny;
    const std::string good = tiny.path("good.safetensors");
    REQUIRE(succeeded(run_app(mnist_mlp_path(), tiny.args({"--epochs", "1", "--save", good}))));
    const std::string good_bytes = read_text(good);
    REQUIRE(good_bytes.size() > 1000);

    const std::string truncated = tiny.path("truncated.safetensors");
    const std::string empty_file = tiny.path("empty.safetensors");
    const std::string bad_header = tiny.path("bad_header.safetensors");
    const std::string garbage = tiny.path("garbage.safetensors");
    copy_prefix(good, truncated, good_bytes.size() / 2);
    copy_prefix(good, empty_file, 0);
    std::string damaged = good_bytes;
    for (size_t i = 9; i < 40; ++i) damaged[i] = '#';  // inside the JSON header
    write_file(bad_header, Bytes(damaged.begin(), damaged.end()));
    write_file(garbage, Bytes(5000, 0xff));

    // Well-formed safetensors whose checkpoint metadata is damaged.
    const std::string bad_epoch = tiny.path("bad_epoch.safetensors");
    {
        SafetensorsFile f = load_safetensors(good);
        f.metadata["epoch"] = "one";
        save_safetensors(bad_epoch, NamedTensors(f.tensors.begin(), f.tensors.end()), f.metadata);
    }

    for (const std::string& bad : {truncated, empty_file, bad_header, garbage, bad_epoch}) {
        INFO(bad);
        // Resuming the damaged file with --save pointing at the good one must not touch it.
        const AppResult r =
            run_app(mnist_mlp_path(), tiny.args({"--resume", bad, "--epochs", "2", "--save", good}));
        REQUIRE(failed_cleanly(r, bad));
        if (bad == bad_epoch) REQUIRE_THAT(r.err, Catch::Contains("metadata 'epoch' is not a number: 'one'"));
        REQUIRE_THAT(r.err, Catch::StartsWith("error: "));
        REQUIRE(read_text(good) == good_bytes);
    }
    // The previous checkpoint still evaluates and resumes.
    REQUIRE(succeeded(run_app(mnist_mlp_path(), tiny.args({"--eval-only", "--resume", good}))));
    const AppResult resumed =
        run_app(mnist_mlp_path(), tiny.args({"--resume", good, "--epochs", "2", "--save", good}));
    REQUIRE(succeeded(resumed));
    REQUIRE(checkpoint_epoch(good) == "2");
}

TEST_CASE("Ctrl-C stops a run cleanly with its last checkpoint, which resumes to the same weights",
          "[apps][checkpoint][crash]") {
    const TinyMnist tiny;
    const std::string straight = tiny.path("straight.safetensors"),
                      ckpt = tiny.path("interrupted.safetensors");
    const auto args = [&](std::vector<std::string> extra) {
        extra.insert(extra.end(), {"--no-bn", "--epochs", "12"});
        return tiny.args(extra, 256);
    };
    REQUIRE(succeeded(run_app(mnist_mlp_path(), args({"--save", straight}))));
    {
        AppProcess run(mnist_mlp_path(), args({"--save", ckpt}), tiny.dir.path());
        while (run.running() && !std::filesystem::exists(ckpt))
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        run.kill_now(SIGINT);
        const AppResult stopped = run.wait(std::chrono::seconds(60));
        INFO(stopped.describe());
        REQUIRE(stopped.exited);
        if (stopped.exit_code == 0) {
            WARN("the run finished before it could be interrupted; resuming a finished run");
        } else {
            REQUIRE(stopped.exit_code == 130);
            REQUIRE_THAT(stopped.out, Catch::Contains("interrupted during epoch"));
            REQUIRE_THAT(stopped.out, Catch::Contains("the checkpoint " + ckpt + " holds epoch"));
        }
    }
    REQUIRE(succeeded(run_app(mnist_mlp_path(), args({"--resume", ckpt, "--save", ckpt}))));
    REQUIRE(same_tensors(straight, ckpt));
}
