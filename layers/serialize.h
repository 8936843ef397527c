#pragma once
// Module checkpoints: parameters and buffers by dotted name ("0.weight",
// "1.running_mean"), in the safetensors format (layers/safetensors.h), so the Python
// safetensors package and PyTorch tools read them.
#include "layers/module.h"
#include "layers/safetensors.h"

#include <string>

namespace nabla::nn {

// Every parameter and buffer, sharing the module's data (clone to snapshot).
NamedTensors state_dict(const Module& module);

// Copies `tensors` into the module's parameters and buffers. Strict: every name must
// match and every shape agree; all mismatches (missing, unexpected, wrong shape) are
// reported in one error and the module is left unchanged.
void load_state_dict(Module& module, const NamedTensors& tensors);

// save() is atomic (temporary file, fsync, rename); load() validates the file and then
// the names and shapes before changing anything.
void save(const Module& module, const std::string& path);
void load(Module& module, const std::string& path);

}  // namespace nabla::nn
