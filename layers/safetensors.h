#pragma once
// Reading and writing the safetensors format (https://github.com/huggingface/safetensors):
//   8 bytes    N, the header length, a little-endian u64
//   N bytes    UTF-8 JSON: {"__metadata__": {str: str},
//                           "name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...}
//              padded with spaces to a multiple of 8 bytes
//   the rest   the tensors' raw little-endian bytes; offsets count from the start of this region
//
// Files written here match the Python library byte for byte: tensors sorted by name, data
// contiguous, "__metadata__" first (its keys sorted), compact JSON. Only F32 is read or written.
#include "core/tensor.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace nabla {

// Named tensors in the caller's order; the file stores them sorted by name anyway.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Atomic (AtomicFile, layers/atomic_file.h): a crash or an error leaves either the old file
// or the new one, never half of one. Throws nabla::Error naming the path on duplicate or
// reserved names ("__metadata__"), undefined tensors, or any I/O failure.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

struct SafetensorsFile {
    std::map<std::string, Tensor> tensors;  // fresh tensors, each with its own storage
    std::map<std::string, std::string> metadata;
};

// Validates the whole file before trusting any size in it: every malformed input (truncated,
// bad JSON, wrong types, a dtype other than F32, offsets out of range, overlapping or leaving
// gaps) throws nabla::Error naming the file and the offending byte offset or field.
SafetensorsFile load_safetensors(const std::string& path);

}  // namespace nabla
