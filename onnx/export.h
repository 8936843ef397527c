#pragma once
// ONNX export: a module, in eval mode, written as an ONNX model that other runtimes load
// (OpenCV DNN, ONNX Runtime, TensorRT...). docs/deploy.md shows how to run the file.
//
// The exporter traces: it installs an op observer (autograd/trace.h), runs one forward on
// a dummy input of the example shape and turns each op it saw into ONNX nodes. A module
// therefore needs no export code of its own: a user's residual block that computes
// relu(bn2(conv2(relu(bn1(conv1(x))))) + x) exports as Conv, BatchNormalization, Relu and
// Add nodes. Parameters and buffers become initializers named by their module path
// ("2.block.weight"); values computed from them alone (a reshaped weight) become
// initializers too. Dropout is the identity in eval and vanishes.
//
// The graph keeps to what OpenCV 4.6's importer reads: Gemm with transB = 1 and
// alpha = beta = 1, BatchNormalization with its four statistics as initializers, Flatten
// where a reshape keeps the batch dimension, constant Reshape shapes, explicit axes.
// LayerNorm (which opset 13 lacks) is composed from ReduceMean, Sub, Mul, Add, Sqrt and
// Div; GroupNorm's forward already is such a composition.
//
// Exporting never changes the module: its train/eval modes are restored, no parameter is
// written and the tape keeps no entry of the forward. An op without a mapping throws
// nabla::Error "<module path>: op '<name>' has no ONNX mapping" and writes no file.
#include "core/shape.h"
#include "layers/module.h"

#include <cstdint>
#include <string>

namespace nabla::nn {

struct OnnxExportOptions {
    std::int64_t opset = 13;  // at least 13 (ReduceSum's axes input, Softmax's axis rules)
    // The first dimension of the input and output: symbolic ("batch") by default, so one
    // file runs any batch size; true fixes it to the example shape's.
    bool fixed_batch = false;
    // Folds each BatchNorm into the Linear or Conv2d whose output only it reads (one Gemm
    // or Conv with adjusted weights); false writes BatchNormalization nodes.
    bool fold_batchnorm = false;
    std::string input_name = "input";
    std::string output_name = "output";
};

// The serialized ModelProto, after onnx::checker::check_model accepted it.
std::string export_onnx_bytes(Module& module, const Shape& example_input_shape,
                              const OnnxExportOptions& options = {});
// Writes export_onnx_bytes(...) to `path` atomically (layers/atomic_file.h).
void export_onnx(Module& module, const Shape& example_input_shape, const std::string& path,
                 const OnnxExportOptions& options = {});

}  // namespace nabla::nn
