#pragma once
// Named tensors for optimizer and scheduler state, in the form a checkpoint stores
// (float32 tensors by name), plus exact encodings for the values that are not
// float32: step counts (uint64) and learning rates (double). Each is kept as four
// 16-bit chunks held as small integer floats, shape [4], so a save/load round trip
// restores the same bits and resumed training matches uninterrupted training.
#include "core/tensor.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nabla::optim {

using StateDict = std::map<std::string, Tensor>;

Tensor encode_u64(std::uint64_t value);
Tensor encode_f64(double value);
// Throw naming `where` and `key` when the tensor is not a valid encoding.
std::uint64_t decode_u64(const Tensor& t, const char* where, const std::string& key);
double decode_f64(const Tensor& t, const char* where, const std::string& key);

// A deep copy: every tensor cloned, so later training does not change the copy.
StateDict clone_state(const StateDict& state);

// Collects every mismatch found while loading a state dict, then throws them all in
// one nabla::Error, so a user sees the whole difference at once.
class LoadErrors {
public:
    explicit LoadErrors(const char* where) : where_(where) {}
    void add(std::string problem) { problems_.push_back(std::move(problem)); }
    // Records "missing key" unless `state` holds `key` with `shape`; true when it does.
    bool expect(const StateDict& state, const std::string& key, const Shape& shape);
    void throw_if_any() const;

private:
    const char* where_;
    std::vector<std::string> problems_;
};

}  // namespace nabla::optim
