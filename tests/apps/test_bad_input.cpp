// Bad input to the trainers: every case ends with a clear message and a non-zero exit
// status, never a signal or a hang.
#include "support/app_checks.h"
#include "support/idx_files.h"
#include "support/tiny_mnist.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <algorithm>
#include <filesystem>
#include <tuple>

using namespace nabla;
using namespace nabla::test;

namespace {
struct BadCase {
    std::vector<std::string> args;
    std::string message;  // must appear in the output
};

// Runs `binary` on the tiny data with each case's flags; the verdict names every case
// that did not fail cleanly with its message.
Verdict all_fail_cleanly(const std::string& binary, const TinyMnist& tiny,
                         const std::vector<BadCase>& cases) {
    std::string why;
    for (const BadCase& c : cases) {
        std::string joined;
        for (const auto& a : c.args) joined += a + " ";
        // Not tiny.args(): its --batch-size would clash with the cases' own.
        std::vector<std::string> args{"--data", tiny.data.string(), "--threads", "1", "--limit-train",
                                      "64",     "--quiet"};
        args.insert(args.end(), c.args.begin(), c.args.end());
        const Verdict v = failed_cleanly(run_app(binary, args, std::chrono::seconds(30)), c.message);
        if (!v) why += "args: " + joined + "\n" + v.why + "\n";
    }
    return why.empty() ? Verdict::pass() : Verdict::fail(why);
}
}  // namespace

TEST_CASE("unknown or malformed flags are rejected with the flag named", "[apps][bad_input]") {
    const TinyMnist tiny;
    REQUIRE(all_fail_cleanly(mnist_mlp_path(), tiny,
                             {{{"--bogus"}, "--bogus"},
                              {{"--epochs", "two"}, "two"},
                              {{"--lr", "fast"}, "fast"},
                              {{"--batch-size", "1.5"}, "1.5"},
                              {{"--optimizer", "adagrad"}, "adagrad"},
                              {{"--bn", "--epochs"}, "--epochs"},
                              {{"--lr", "0.1", "--lr", "0.2"}, "--lr"},
                              {{"stray"}, "stray"}}));
}

TEST_CASE("invalid hyperparameters are rejected before any training", "[apps][bad_input]") {
    const TinyMnist tiny;
    REQUIRE(all_fail_cleanly(mnist_mlp_path(), tiny,
                             {{{"--lr", "0"}, "invalid learning rate: 0"},
                              {{"--lr=-0.1"}, "invalid learning rate: -0.1"},
                              {{"--lr", "nan"}, "invalid learning rate"},
                              {{"--lr", "inf"}, "invalid learning rate"},
                              {{"--batch-size", "0"}, "--batch-size must be >= 1, got 0"},
                              {{"--epochs=-1"}, "--epochs must be >= 1, got -1"},
                              {{"--epochs", "0"}, "--epochs must be >= 1, got 0"},
                              {{"--save-every", "5"}, "--save-every needs --save PATH"},
                              {{"--save-every=-1", "--save", "c.safetensors"}, "--save-every must be >= 0"},
                              {{"--max-steps=-1"}, "--max-steps must be >= 0"},
                              {{"--momentum", "1"}, "invalid momentum: 1"},
                              {{"--momentum=-0.5"}, "invalid momentum: -0.5"},
                              {{"--weight-decay=-1"}, "invalid weight decay"},
                              {{"--eval-only"}, "--eval-only needs --resume"},
                              {{"--bn", "--batch-size", "1"}, "--bn needs --batch-size >= 2"}}));
    REQUIRE(failed_cleanly(run_app(mnist_mlp_path(), {"--data", tiny.data.string(), "--limit-test=-3"}),
                           "--limit-train/--limit-test must be >= 0"));
    // Also with a data directory that does not exist: the hyperparameter is reported, not the data.
    const AppResult r = run_app(mnist_mlp_path(), {"--data", tiny.path("nowhere"), "--lr", "0"});
    REQUIRE(failed_cleanly(r, "invalid learning rate"));
}

TEST_CASE("a data directory with missing or corrupt files is reported with the file and a hint",
          "[apps][bad_input]") {
    const TinyMnist tiny;
    const auto run = [&](const std::filesystem::path& dir) {
        return run_app(mnist_mlp_path(),
                       {"--data", dir.string(), "--threads", "1", "--epochs", "1", "--quiet"});
    };
    REQUIRE(failed_cleanly(run(tiny.dir / "nowhere"), "scripts/fetch-mnist"));

    const auto fresh_copy = [&](const std::string& name) {
        const std::filesystem::path dir = tiny.dir / name;
        std::filesystem::copy(tiny.data, dir);
        return dir;
    };
    const auto missing = fresh_copy("missing");
    std::filesystem::remove(missing / "t10k-labels-idx1-ubyte");
    REQUIRE(failed_cleanly(run(missing), "no t10k labels file"));

    const auto bad_magic = fresh_copy("bad_magic");
    {
        std::fstream f(bad_magic / "train-images-idx3-ubyte",
                       std::ios::in | std::ios::out | std::ios::binary);
        f.write("\x00\x00\x09\x99", 4);
    }
    REQUIRE(failed_cleanly(run(bad_magic), "wrong magic number"));

    const auto truncated = fresh_copy("truncated");
    std::filesystem::resize_file(truncated / "train-images-idx3-ubyte", 5000);
    REQUIRE(failed_cleanly(run(truncated), "truncated data"));

    const auto header_only = fresh_copy("header_only");
    std::filesystem::resize_file(header_only / "t10k-labels-idx1-ubyte", 3);
    REQUIRE(failed_cleanly(run(header_only), "t10k-labels-idx1-ubyte"));

    const auto bad_gzip = fresh_copy("bad_gzip");
    std::filesystem::remove(bad_gzip / "t10k-images-idx3-ubyte");
    write_file(bad_gzip / "t10k-images-idx3-ubyte.gz", Bytes{0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7});
    REQUIRE(failed_cleanly(run(bad_gzip), "corrupt gzip stream"));

    const auto mismatch = fresh_copy("mismatch");
    write_file(mismatch / "t10k-labels-idx1-ubyte", idx_labels(Bytes(150, 1)));
    REQUIRE(failed_cleanly(run(mismatch), "holds 150 labels"));

    const auto bad_label = fresh_copy("bad_label");
    write_file(bad_label / "t10k-labels-idx1-ubyte", idx_labels(Bytes(200, 12)));
    REQUIRE(failed_cleanly(run(bad_label), "label 12 of sample 0 is out of range"));
}

TEST_CASE("a checkpoint of another architecture or optimizer is refused, naming both",
          "[apps][bad_input][checkpoint]") {
    const TinyMnist tiny;
    const std::string mlp = tiny.path("mlp.safetensors"), mlp_bn = tiny.path("mlp_bn.safetensors");
    const std::string adam = tiny.path("adam.safetensors");
    REQUIRE(succeeded(run_app(mnist_mlp_path(), tiny.args({"--no-bn", "--epochs", "1", "--save", mlp}, 64))));
    REQUIRE(succeeded(run_app(mnist_mlp_path(), tiny.args({"--bn", "--epochs", "1", "--save", mlp_bn}, 64))));
    REQUIRE(succeeded(
        run_app(mnist_mlp_path(),
                tiny.args({"--no-bn", "--optimizer", "adam", "--epochs", "1", "--save", adam}, 64))));

    REQUIRE(failed_cleanly(
        run_app(mnist_cnn_path(), tiny.args({"--no-bn", "--resume", mlp, "--epochs", "2"}, 64)),
        "holds a mlp model, this run trains cnn: it was saved by mnist_mlp --no-bn; resume it with mnist_mlp "
        "--no-bn"));
    REQUIRE(failed_cleanly(run_app(mnist_cnn_path(), tiny.args({"--eval-only", "--resume", mlp_bn}, 64)),
                           "holds a mlp_bn model, this run trains cnn: it was saved by mnist_mlp --bn"));
    // Only BatchNorm differs: the message names the flag that fixes it.
    REQUIRE(failed_cleanly(
        run_app(mnist_mlp_path(), tiny.args({"--no-bn", "--resume", mlp_bn, "--epochs", "2"}, 64)),
        "holds a mlp_bn model, this run trains mlp: it was saved by mnist_mlp --bn; add --bn"));
    REQUIRE(failed_cleanly(
        run_app(mnist_mlp_path(), tiny.args({"--bn", "--resume", mlp, "--epochs", "2"}, 64)),
        "holds a mlp model, this run trains mlp_bn: it was saved by mnist_mlp --no-bn; drop --bn"));
    REQUIRE(failed_cleanly(
        run_app(mnist_mlp_path(), tiny.args({"--no-bn", "--resume", adam, "--epochs", "2"}, 64)),
        "trained with the adam optimizer, this run uses momentum (pass --optimizer adam)"));
    REQUIRE(failed_cleanly(
        run_app(mnist_mlp_path(),
                tiny.args({"--no-bn", "--optimizer", "sgd", "--resume", mlp, "--epochs", "2"}, 64)),
        "trained with the momentum optimizer, this run uses sgd"));
    // A file that is not a checkpoint at all, and one that does not exist.
    const std::string plain = tiny.path("plain.safetensors");
    save_safetensors(plain, {{"w", zeros({2, 2})}});
    REQUIRE(
        failed_cleanly(run_app(mnist_mlp_path(), tiny.args({"--resume", plain})), "not a nabla checkpoint"));
    REQUIRE(failed_cleanly(run_app(mnist_mlp_path(), tiny.args({"--resume", tiny.path("none.safetensors")})),
                           "none.safetensors"));
}

TEST_CASE("outputs that cannot be written are reported before the first step, naming the path",
          "[apps][bad_input]") {
    const TinyMnist tiny;
    std::filesystem::create_directory(tiny.dir / "folder");
    const auto names = [&] {
        std::vector<std::string> found;
        for (const auto& entry : std::filesystem::directory_iterator(tiny.dir.path()))
            found.push_back(entry.path().filename().string());
        std::sort(found.begin(), found.end());
        return found;
    };
    const std::vector<std::string> before = names();
    // A good --metrics path beside a bad --save one: a run that took a step would have
    // written a line there (--log-every 1).
    const std::string metrics = tiny.path("m.jsonl");
    for (const auto& [flag, path, why] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"--save", tiny.path("no/such/dir/c.safetensors"), "its folder '" + tiny.path("no/such/dir")},
             {"--save", tiny.path("folder"), "it is a folder"},
             {"--metrics", tiny.path("no/such/dir/m.jsonl"), "does not exist"},
             {"--metrics", tiny.path("folder"), "it is a folder"}}) {
        INFO(flag << " " << path);
        std::vector<std::string> extra{"--epochs", "50", "--log-every", "1", flag, path};
        if (flag == "--save") extra.insert(extra.end(), {"--metrics", metrics});
        const AppResult r = run_app(mnist_mlp_path(), tiny.args(extra, 64));
        REQUIRE(failed_cleanly(r, flag + ": cannot write '" + path + "'"));
        REQUIRE_THAT(r.err, Catch::Contains(why));
        REQUIRE(r.out.empty());      // no epoch, no progress
        REQUIRE(names() == before);  // no metrics file, no temporary left behind
    }
}

TEST_CASE("with BN a last batch of one image is skipped instead of failing the run", "[apps][bad_input]") {
    const TinyMnist tiny;
    // 33 images in batches of 32 leave one.
    for (const std::string& binary : {mnist_mlp_path(), mnist_cnn_path()}) {
        const AppResult r =
            run_app(binary, {"--data", tiny.data.string(), "--threads", "1", "--bn", "--batch-size", "32",
                             "--limit-train", "33", "--epochs", "1", "--log-every", "100"});
        REQUIRE(succeeded(r));
        REQUIRE_THAT(r.out, Catch::Contains("33 training images in batches of 32 leave a last batch of one"));
    }
}
