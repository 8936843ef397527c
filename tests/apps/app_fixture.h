#pragma once
// A scratch directory holding the tiny synthetic MNIST, and the arguments every
// trainer test starts from (one BLAS thread: runs are bit-reproducible).
#include "apps/app_runner.h"
#include "data/idx_files.h"

#include <catch2/catch.hpp>
#include <nabla.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace nabla::test {

struct TinyMnist {
    TempDir dir;
    std::filesystem::path data = dir / "mnist";
    TinyMnist() { write_tiny_mnist(data); }
    std::string path(const std::string& name) const { return (dir / name).string(); }

    // --data, one thread, batch 32 and a limit on the training images.
    std::vector<std::string> args(std::vector<std::string> extra, int limit_train = 320) const {
        std::vector<std::string> a{
            "--data",       data.string(), "--threads",     "1",
            "--batch-size", "32",          "--limit-train", std::to_string(limit_train),
            "--quiet"};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
};

// One JSON value per line; throws on a line that is not JSON.
inline std::vector<nlohmann::json> json_lines(const std::string& text) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
}

// The run ended through exit(0).
inline void require_success(const AppResult& r) {
    INFO(r.describe());
    REQUIRE(r.exited);
    REQUIRE(r.exit_code == 0);
}

// The run failed cleanly: a non-zero exit (no signal, no hang) and `message` in its output.
inline void require_clean_failure(const AppResult& r, const std::string& message) {
    INFO(r.describe());
    REQUIRE_FALSE(r.timed_out);
    REQUIRE(r.exited);
    REQUIRE(r.exit_code != 0);
    REQUIRE_THAT(r.all(), Catch::Contains(message));
}

// Every tensor of two safetensors files: same names, shapes and bits.
inline void require_identical_tensors(const std::string& a_path, const std::string& b_path) {
    const SafetensorsFile a = load_safetensors(a_path), b = load_safetensors(b_path);
    REQUIRE(a.tensors.size() == b.tensors.size());
    REQUIRE_FALSE(a.tensors.empty());
    auto it = b.tensors.begin();
    for (const auto& [name, ta] : a.tensors) {
        INFO("tensor " << name);
        REQUIRE(it->first == name);
        const Tensor& tb = it->second;
        REQUIRE(ta.shape() == tb.shape());
        REQUIRE(std::memcmp(ta.data(), tb.data(), size_t(ta.numel()) * sizeof(float)) == 0);
        ++it;
    }
    REQUIRE(a.metadata == b.metadata);
}

}  // namespace nabla::test
