#include "support/files.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <filesystem>
#include <fstream>

using namespace nabla;
using nabla::test::TempDir;
namespace fs = std::filesystem;

namespace {

nn::Sequential small_model(std::int64_t hidden = 5) {
    nn::Sequential m;
    m.append(nn::Linear({.in = 4, .out = hidden, .bias = false}));
    m.append(nn::BatchNorm1d({.num_features = hidden}));
    m.append(nn::ReLU());
    m.append(nn::Linear({.in = hidden, .out = 3}));
    return m;
}

std::vector<std::vector<float>> values(const nn::Module& m) {
    std::vector<std::vector<float>> out;
    for (const auto& [name, t] : nn::state_dict(m)) out.push_back(t.to_vector());
    return out;
}

}  // namespace

TEST_CASE("save and load round-trip parameters and buffers by dotted name", "[layers][serialize]") {
    TempDir dir;
    manual_seed(1);
    nn::Sequential a = small_model();
    a.train();
    a(randn({8, 4}));  // moves BN's running statistics away from their initial values
    const std::string path = (dir.path() / "m.safetensors").string();
    nn::save(a, path);

    const SafetensorsFile file = load_safetensors(path);
    REQUIRE(file.tensors.count("0.weight") == 1);
    REQUIRE(file.tensors.count("1.running_mean") == 1);
    REQUIRE(file.tensors.count("1.num_batches_tracked") == 1);
    REQUIRE(file.metadata.at("format") == "nabla-module-1");

    manual_seed(2);
    nn::Sequential b = small_model();
    REQUIRE(values(a) != values(b));
    nn::load(b, path);
    REQUIRE(values(a) == values(b));
    a.eval();
    b.eval();
    const Tensor x = randn({3, 4});
    REQUIRE(a(x).to_vector() == b(x).to_vector());
}

TEST_CASE("nn::load_state_dict reports every mismatch of a module at once and changes nothing",
          "[layers][serialize]") {
    nn::Sequential target = small_model();
    const auto before = values(target);
    NamedTensors wrong = nn::state_dict(small_model(6));  // every hidden shape differs
    wrong.erase(wrong.begin() + 2);                       // and one entry is missing
    wrong.emplace_back("extra.weight", zeros({2}));
    try {
        nn::load_state_dict(target, wrong);
        FAIL("load_state_dict accepted a checkpoint of another architecture");
    } catch (const Error& e) {
        const std::string msg = e.what();
        CHECK_THAT(msg,
                   Catch::Contains("'0.weight' has shape [6, 4] in the checkpoint, [5, 4] in the model"));
        CHECK_THAT(msg, Catch::Contains("missing"));
        CHECK_THAT(msg, Catch::Contains("unexpected 'extra.weight'"));
    }
    REQUIRE(values(target) == before);
}

TEST_CASE("load of a truncated or corrupt file is an error and leaves the module unchanged",
          "[layers][serialize]") {
    TempDir dir;
    nn::Sequential m = small_model();
    const std::string path = (dir.path() / "m.safetensors").string();
    nn::save(m, path);
    const auto size = fs::file_size(path);
    fs::resize_file(path, size - 7);
    nn::Sequential other = small_model();
    const auto before = values(other);
    REQUIRE_THROWS_WITH(nn::load(other, path), Catch::Contains(path));
    REQUIRE(values(other) == before);
    REQUIRE_THROWS_WITH(nn::load(other, (dir.path() / "missing.safetensors").string()),
                        Catch::Contains("missing.safetensors"));
}

TEST_CASE("save keeps the previous checkpoint when writing fails", "[layers][serialize]") {
    TempDir dir;
    nn::Sequential m = small_model();
    const std::string path = (dir.path() / "m.safetensors").string();
    nn::save(m, path);
    const auto size = fs::file_size(path);
    // A directory in the way of the rename: the save fails, the temp file is removed.
    const std::string blocked = (dir.path() / "blocked").string();
    fs::create_directories(fs::path(blocked) / "x");
    REQUIRE_THROWS(nn::save(m, blocked));
    REQUIRE(fs::file_size(path) == size);
    for (const auto& e : fs::directory_iterator(dir.path()))
        REQUIRE(e.path().filename().string().find(".tmp") == std::string::npos);
}
