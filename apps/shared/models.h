#pragma once
// The MNIST models the trainers, the comparison and the benchmarks share.
//   mlp:   784-256-256-10, ReLU
//   cnn:   Conv(1->32,3x3,p1)-ReLU-MaxPool2-Conv(32->64,3x3,p1)-ReLU-MaxPool2-Flatten-
//          Linear(3136->128)-ReLU-Linear(128->10)
//   ioffe: 784-100-100-100-10, sigmoid (Ioffe & Szegedy 2015, section 4.1)
// With bn, every hidden Linear/Conv2d loses its bias and is followed by BatchNorm
// before the nonlinearity.
#include <nabla.h>

#include <memory>
#include <string>

namespace nabla::apps {

enum class ModelKind { mlp, cnn, ioffe };

std::shared_ptr<nn::Sequential> make_model(ModelKind kind, bool bn);
std::string model_name(ModelKind kind, bool bn);  // "mlp", "cnn_bn", ...
ModelKind parse_model_kind(const std::string& s);
// Whether the model takes images [B,1,28,28] (cnn) or flat vectors [B,784].
bool takes_images(ModelKind kind);
// The model's input: images stay [B,1,28,28] for the cnn, others get [B,784].
Tensor model_input(const Tensor& images, ModelKind kind);

}  // namespace nabla::apps
