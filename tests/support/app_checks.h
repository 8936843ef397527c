#pragma once
// How a trainer run ended and what it wrote, as verdicts: REQUIRE(succeeded(run_app(...))).
// A failed verdict carries the run's exit status and output.
#include "support/app_process.h"
#include "support/verdict.h"

#include <fmt/format.h>
#include <nabla.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace nabla::test {

// The run ended through exit(0).
inline Verdict succeeded(const AppResult& r) {
    if (r.exited && r.exit_code == 0) return Verdict::pass();
    return Verdict::fail(r.describe());
}

// The run failed cleanly: a non-zero exit (no signal, no hang) and `message` in its output.
inline Verdict failed_cleanly(const AppResult& r, const std::string& message) {
    if (!r.exited || r.exit_code == 0) return Verdict::fail("not a clean failure: " + r.describe());
    if (r.all().find(message) == std::string::npos)
        return Verdict::fail(fmt::format("the output lacks \"{}\": {}", message, r.describe()));
    return Verdict::pass();
}

// Every tensor of two safetensors files (at least one): same names, shapes and bits, and the same metadata.
inline Verdict same_tensors(const std::string& a_path, const std::string& b_path) {
    const SafetensorsFile a = load_safetensors(a_path), b = load_safetensors(b_path);
    if (a.tensors.empty()) return Verdict::fail(a_path + " holds no tensors");
    if (a.tensors.size() != b.tensors.size())
        return Verdict::fail(
            fmt::format("{} tensors in {}, {} in {}", a.tensors.size(), a_path, b.tensors.size(), b_path));
    auto it = b.tensors.begin();
    for (const auto& [name, ta] : a.tensors) {
        const auto& [b_name, tb] = *it++;
        if (b_name != name)
            return Verdict::fail(fmt::format("tensor '{}' where '{}' was expected", b_name, name));
        if (ta.shape() != tb.shape())
            return Verdict::fail(
                fmt::format("tensor '{}' has shapes {} and {}", name, ta.shape(), tb.shape()));
        if (std::memcmp(ta.data(), tb.data(), size_t(ta.numel()) * sizeof(float)) != 0)
            return Verdict::fail(fmt::format("tensor '{}' differs", name));
    }
    for (const auto& [key, value] : a.metadata) {
        const auto found = b.metadata.find(key);
        const std::string other = found == b.metadata.end() ? "missing" : "'" + found->second + "'";
        if (found == b.metadata.end() || found->second != value)
            return Verdict::fail(
                fmt::format("metadata '{}' is '{}' in {}, {} in {}", key, value, a_path, other, b_path));
    }
    if (a.metadata.size() != b.metadata.size())
        return Verdict::fail(b_path + " has metadata keys " + a_path + " lacks");
    return Verdict::pass();
}

// One JSON value per line; throws on a line that is not JSON.
inline std::vector<nlohmann::json> json_lines(const std::string& text) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
}

}  // namespace nabla::test
