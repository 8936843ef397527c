#include "optim/state.h"

#include "core/error.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <bit>

namespace nabla::optim {

namespace {
constexpr int kChunks = 4;
constexpr std::uint64_t kChunkMask = 0xffff;
}  // namespace

Tensor encode_u64(std::uint64_t value) {
    // 16-bit chunks are exact in float32 (24-bit mantissa), most significant first.
    Tensor t = empty({kChunks});
    for (int i = 0; i < kChunks; ++i)
        t.data()[i] = static_cast<float>((value >> (16 * (kChunks - 1 - i))) & kChunkMask);
    return t;
}

Tensor encode_f64(double value) { return encode_u64(std::bit_cast<std::uint64_t>(value)); }

std::uint64_t decode_u64(const Tensor& t, const char* where, const std::string& key) {
    NABLA_CHECK(t.defined() && t.shape() == Shape({kChunks}), where, "'{}' must have shape [4], got {}", key,
                describe(t));
    std::uint64_t value = 0;
    for (int i = 0; i < kChunks; ++i) {
        const float chunk = t.data()[i];
        NABLA_CHECK(chunk >= 0.0f && chunk <= float(kChunkMask) && chunk == static_cast<float>(int(chunk)),
                    where, "'{}' entry {} is {}, not a 16-bit chunk", key, i, chunk);
        value = (value << 16) | static_cast<std::uint64_t>(chunk);
    }
    return value;
}

double decode_f64(const Tensor& t, const char* where, const std::string& key) {
    return std::bit_cast<double>(decode_u64(t, where, key));
}

StateDict clone_state(const StateDict& state) {
    StateDict out;
    for (const auto& [key, t] : state) out.emplace(key, t.clone());
    return out;
}

bool LoadErrors::expect(const StateDict& state, const std::string& key, const Shape& shape) {
    const auto it = state.find(key);
    if (it == state.end() || !it->second.defined()) {
        add(fmt::format("missing key '{}'", key));
        return false;
    }
    if (it->second.shape() != shape) {
        add(fmt::format("'{}' has shape {}, expected {}", key, it->second.shape(), shape));
        return false;
    }
    return true;
}

void LoadErrors::throw_if_any() const {
    if (problems_.empty()) return;
    throw Error(where_, fmt::format("state dict does not match ({} problem{}): {}", problems_.size(),
                                    problems_.size() == 1 ? "" : "s", fmt::join(problems_, "; ")));
}

}  // namespace nabla::optim
