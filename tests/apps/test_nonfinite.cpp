// A diverging run (a huge learning rate) stops with a message naming the step and
// epoch, or, with --allow-nonfinite, skips those steps and finishes.
#include "support/app_checks.h"
#include "support/tiny_mnist.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <regex>

using namespace nabla;
using namespace nabla::test;

TEST_CASE("a non-finite loss stops the trainer with the step and epoch", "[apps][nonfinite]") {
    const TinyMnist tiny;
    const std::string ckpt = tiny.path("diverged.safetensors");
    const AppResult r =
        run_app(mnist_mlp_path(), tiny.args({"--no-bn", "--lr", "1e8", "--epochs", "3", "--save", ckpt}));
    REQUIRE(failed_cleanly(r, "the loss became"));
    INFO(r.describe());
    REQUIRE(std::regex_search(r.err, std::regex(R"(the loss became (nan|inf|-nan) at step \d+ of epoch 1)")));
    // Stopped in the first epoch: no checkpoint of a diverged model was written.
    REQUIRE_FALSE(std::filesystem::exists(ckpt));
}

TEST_CASE("with --allow-nonfinite the trainer skips non-finite steps and finishes the run",
          "[apps][nonfinite]") {
    const TinyMnist tiny;
    const std::string metrics = tiny.path("metrics.jsonl");
    const AppResult r = run_app(mnist_mlp_path(), tiny.args({"--no-bn", "--lr", "1e8", "--epochs", "2",
                                                             "--allow-nonfinite", "--metrics", metrics}));
    REQUIRE(succeeded(r));
    INFO(r.describe());
    REQUIRE(std::regex_search(
        r.err, std::regex(R"(warning: the loss became (nan|inf|-nan) at step \d+ of epoch 1)")));
    // Step numbers count batches, skipped or not: epoch 2 starts at step 11.
    std::smatch m;
    REQUIRE(std::regex_search(r.err, m, std::regex(R"(the loss became \S+ at step (\d+) of epoch 2)")));
    REQUIRE(std::stoi(m[1]) >= 11);
    REQUIRE(std::regex_search(r.out,
                              std::regex(R"(mlp epoch 2: .*\d+ of 10 steps skipped \(non-finite loss\))")));
    REQUIRE_THAT(r.out, Catch::Contains("best test accuracy"));
    // The metrics file stays valid JSON (a NaN loss is written as null).
    std::vector<nlohmann::json> lines;
    REQUIRE_NOTHROW(lines = json_lines(read_text(metrics)));
    REQUIRE(lines.size() == 2);  // the two epoch lines
    REQUIRE(lines[1]["epoch"] == 2);
}
