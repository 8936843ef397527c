// The README's training script (its first ```cpp block, compiled by tests/CMakeLists.txt)
// run on the tiny dataset: it trains, reports a test accuracy above chance and saves.
#include "support/app_checks.h"
#include "support/tiny_mnist.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>
#include <string>

using namespace nabla::test;

TEST_CASE("the README's training script trains on the folder it is given and prints its test accuracy",
          "[apps][readme]") {
    const TinyMnist tiny;
    const AppResult r = run_app_in(tiny.dir.path(), readme_example_path(), {tiny.data.string()});
    REQUIRE(succeeded(r));
    static const std::regex accuracy(R"(^test accuracy ([0-9.]+)%\n$)");
    std::smatch m;
    INFO(r.out);
    REQUIRE(std::regex_match(r.out, m, accuracy));
    // Ten classes: chance is 10%. One epoch is 9 batches of 64 here.
    CHECK(std::stod(m[1]) > 20.0);
    CHECK(std::filesystem::file_size(tiny.dir / "mlp.safetensors") > 1000);
}

TEST_CASE("the README's training script reports a missing data folder as a nabla::Error", "[apps][readme]") {
    const TinyMnist tiny;
    const std::string absent = tiny.path("absent");
    const AppResult r = run_app_in(tiny.dir.path(), readme_example_path(), {absent});
    REQUIRE(failed_cleanly(r, "run scripts/fetch-mnist " + absent));
    CHECK(r.err.starts_with("error: MNIST: no MNIST directory " + absent));
    CHECK_FALSE(std::filesystem::exists(tiny.dir / "mlp.safetensors"));
}
