// Checkpoints: resuming gives bit-identical weights to an uninterrupted run, from the end
// of an epoch or the middle of one (Ctrl-C, --max-steps, --save-every), also after SIGKILL;
// a damaged checkpoint is refused with a clear message and leaves the previous one usable.
#include "support/app_checks.h"
#include "support/tiny_mnist.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <regex>
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
        const AppResult killed = run.wait(kAppDeadline);
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

TEST_CASE("Ctrl-C in the first epoch saves the step it stopped at, which resumes to the same weights",
          "[apps][checkpoint][crash]") {
    const TinyMnist tiny;
    const std::string straight = tiny.path("straight.safetensors"),
                      ckpt = tiny.path("interrupted.safetensors");
    // The CNN in batches of 8: 75 steps an epoch, long enough to be caught in the first.
    const auto args = [&](std::vector<std::string> extra) {
        extra.insert(extra.end(), {"--bn", "--epochs", "2", "--batch-size", "8"});
        std::vector<std::string> a{"--data", tiny.data.string(), "--threads", "1", "--quiet"};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    REQUIRE(succeeded(run_app(mnist_cnn_path(), args({"--save", straight}))));

    // Interrupts the run once its first step is logged (--metrics, one line a step).
    const auto interrupted_run = [&](std::vector<std::string> extra) {
        const std::string metrics = tiny.path("m.jsonl");
        std::filesystem::remove(metrics);
        extra.insert(extra.end(), {"--metrics", metrics, "--log-every", "1"});
        AppProcess run(mnist_cnn_path(), args(extra), tiny.dir.path());
        while (run.running() &&
               (!std::filesystem::exists(metrics) || std::filesystem::file_size(metrics) == 0))
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        run.kill_now(SIGINT);
        return run.wait(kAppDeadline);
    };
    const AppResult stopped = interrupted_run({"--save", ckpt});
    INFO(stopped.describe());
    REQUIRE(stopped.exited);
    static const std::regex said(R"(interrupted: saved (.*): epoch (\d+), step (\d+) of 75\n$)");
    std::smatch m;
    if (stopped.exit_code == 0 || !std::regex_search(stopped.out, m, said) || m[2] != "1") {
        WARN("the run was not interrupted in its first epoch; resuming what it saved");
    } else {
        // The message names exactly what the file holds.
        REQUIRE(stopped.exit_code == 130);
        REQUIRE(m[1] == ckpt);
        const auto meta = load_safetensors(ckpt).metadata;
        REQUIRE(meta.at("epoch") == "0");
        REQUIRE(meta.at("epoch_step") == m[3].str());
        REQUIRE(meta.at("step") == m[3].str());
        REQUIRE(std::stoi(m[3]) >= 1);
    }
    const AppResult resumed = run_app(mnist_cnn_path(), args({"--resume", ckpt, "--save", ckpt}));
    REQUIRE(succeeded(resumed));
    REQUIRE(same_tensors(straight, ckpt));
    REQUIRE(read_text(straight) == read_text(ckpt));

    // Without --save the message says that nothing was kept.
    const AppResult unsaved = interrupted_run({});
    INFO(unsaved.describe());
    if (unsaved.exit_code == 130)
        REQUIRE_THAT(
            unsaved.out,
            Catch::Matches(R"(interrupted: epoch \d, step \d+ of 75; nothing saved \(no --save\)\n)"));
    else
        WARN("the run finished before it could be interrupted");
}

TEST_CASE("a run stopped at step k of an epoch resumes to a checkpoint identical byte for byte",
          "[apps][checkpoint]") {
    const TinyMnist tiny;
    // 320 images in batches of 32: 10 steps an epoch, so step 13 is step 3 of epoch 2.
    for (const std::vector<std::string>& variant :
         {std::vector<std::string>{"--bn", "--optimizer", "momentum"},
          std::vector<std::string>{"--no-bn", "--optimizer", "adam", "--lr", "0.001"}}) {
        INFO(variant[0] << " " << variant[2]);
        const std::string a = tiny.path("a.safetensors"), b = tiny.path("b.safetensors");
        auto args = [&](std::vector<std::string> extra) {
            extra.insert(extra.end(), variant.begin(), variant.end());
            extra.insert(extra.end(), {"--epochs", "3"});
            return tiny.args(extra);
        };
        const AppResult straight = run_app(mnist_mlp_path(), args({"--save", a}));
        REQUIRE(succeeded(straight));
        const AppResult stopped = run_app(mnist_mlp_path(), args({"--max-steps", "13", "--save", b}));
        REQUIRE(succeeded(stopped));
        REQUIRE_THAT(stopped.out,
                     Catch::EndsWith("stopped at --max-steps 13: saved " + b + ": epoch 2, step 3 of 10\n"));
        const auto meta = load_safetensors(b).metadata;
        REQUIRE((meta.at("epoch") == "1" && meta.at("epoch_step") == "3" && meta.at("epoch_steps") == "10"));

        const AppResult resumed = run_app(mnist_mlp_path(), args({"--resume", b, "--save", b}));
        REQUIRE(succeeded(resumed));
        REQUIRE(same_tensors(a, b));
        REQUIRE(read_text(a) == read_text(b));
        // The epoch it finished reports the whole epoch's training loss, not its last 7 steps'.
        const auto epoch_line = [](const std::string& out, const std::string& epoch) {
            const auto at = out.find(epoch);
            return out.substr(at, out.find(", test accuracy", at) - at);
        };
        REQUIRE(epoch_line(resumed.out, " epoch 2: ") == epoch_line(straight.out, " epoch 2: "));
        REQUIRE_THAT(resumed.out, !Catch::Contains("epoch 1:"));
    }
}

TEST_CASE("a run killed after a mid-epoch checkpoint of --save-every resumes to the same weights",
          "[apps][checkpoint][crash]") {
    const TinyMnist tiny;
    const std::string straight = tiny.path("straight.safetensors"), ckpt = tiny.path("killed.safetensors");
    const auto args = [&](std::vector<std::string> extra) {
        extra.insert(extra.end(), {"--bn", "--epochs", "2"});
        return tiny.args(extra);
    };
    REQUIRE(succeeded(run_app(mnist_mlp_path(), args({"--save", straight}))));
    {
        AppProcess run(mnist_mlp_path(), args({"--save", ckpt, "--save-every", "3"}), tiny.dir.path());
        while (run.running() && !std::filesystem::exists(ckpt))
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        run.kill_now(SIGKILL);
        (void)run.wait(kAppDeadline);
    }
    const auto meta = load_safetensors(ckpt).metadata;
    INFO("killed at epoch " << meta.at("epoch") << ", step " << meta.at("epoch_step"));
    if (meta.at("epoch_step") == "0")
        WARN("the run passed its epoch's end before it could be killed");
    else
        REQUIRE(std::stoi(meta.at("step")) % 3 == 0);  // written every 3 steps
    REQUIRE(succeeded(run_app(mnist_mlp_path(), args({"--resume", ckpt, "--save", ckpt}))));
    REQUIRE(same_tensors(straight, ckpt));
}

TEST_CASE("a checkpoint with nothing left to train says so and exits 0 without a result",
          "[apps][checkpoint]") {
    const TinyMnist tiny;
    const std::string done = tiny.path("done.safetensors"), part = tiny.path("part.safetensors");
    REQUIRE(succeeded(run_app(mnist_mlp_path(), tiny.args({"--epochs", "2", "--save", done}))));
    const std::string bytes = read_text(done);
    const AppResult again =
        run_app(mnist_mlp_path(), tiny.args({"--epochs", "2", "--resume", done, "--save", done}));
    REQUIRE(succeeded(again));
    REQUIRE(again.out == "nothing left to train: " + done + " finished epoch 2 of --epochs 2\n");
    REQUIRE(again.err.empty());
    REQUIRE(read_text(done) == bytes);
    REQUIRE(succeeded(
        run_app(mnist_mlp_path(), tiny.args({"--epochs", "3", "--max-steps", "13", "--save", part}))));
    REQUIRE(run_app(mnist_mlp_path(), tiny.args({"--epochs", "1", "--resume", part})).out ==
            "nothing left to train: " + part + " stopped at epoch 2, step 3 of 10, past --epochs 1\n");
    REQUIRE(
        run_app(mnist_mlp_path(), tiny.args({"--epochs", "3", "--max-steps", "13", "--resume", part})).out ==
        "nothing left to train: " + part + " is at step 13 of --max-steps 13\n");
}

TEST_CASE("a mid-epoch checkpoint resumed with other batches is refused, naming the flag that fits",
          "[apps][checkpoint][bad_input]") {
    const TinyMnist tiny;
    const std::string part = tiny.path("part.safetensors");
    REQUIRE(succeeded(
        run_app(mnist_mlp_path(), tiny.args({"--epochs", "2", "--max-steps", "4", "--save", part}))));
    const std::string where = part + " stopped at epoch 1, step 4 of 10 of a run with ";
    REQUIRE(failed_cleanly(
        run_app(mnist_mlp_path(), tiny.args({"--epochs", "2", "--seed", "5", "--resume", part})),
        where + "--seed 0; add --seed 0"));
    // Not tiny.args(): its --batch-size 32 would clash.
    const AppResult other_batch =
        run_app(mnist_mlp_path(), {"--data", tiny.data.string(), "--limit-train", "320", "--batch-size", "16",
                                   "--epochs", "2", "--resume", part});
    REQUIRE(failed_cleanly(other_batch, where + "--batch-size 32; add --batch-size 32"));
    REQUIRE(failed_cleanly(run_app(mnist_mlp_path(), tiny.args({"--epochs", "2", "--resume", part}, 640)),
                           where + "--limit-train 320; add --limit-train 320"));
}

TEST_CASE("a checkpoint from before mid-epoch checkpoints resumes as an end-of-epoch one",
          "[apps][checkpoint]") {
    const TinyMnist tiny;
    const std::string straight = tiny.path("straight.safetensors"), old = tiny.path("old.safetensors");
    REQUIRE(succeeded(run_app(mnist_mlp_path(), tiny.args({"--bn", "--epochs", "2", "--save", straight}))));
    REQUIRE(succeeded(run_app(mnist_mlp_path(), tiny.args({"--bn", "--epochs", "1", "--save", old}))));
    {
        // The metadata such a file has: no epoch position, data order or generator.
        SafetensorsFile f = load_safetensors(old);
        const std::map<std::string, std::string> meta = f.metadata;
        f.metadata.clear();
        for (const char* key : {"model", "optimizer", "epoch", "step", "best_accuracy"})
            f.metadata[key] = meta.at(key);
        f.metadata["format"] = "nabla-checkpoint-1";
        save_safetensors(old, NamedTensors(f.tensors.begin(), f.tensors.end()), f.metadata);
    }
    REQUIRE(succeeded(
        run_app(mnist_mlp_path(), tiny.args({"--bn", "--epochs", "2", "--resume", old, "--save", old}))));
    REQUIRE(same_tensors(straight, old));
}
