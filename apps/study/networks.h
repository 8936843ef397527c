#pragma once
// The fully connected networks the claims vary one choice at a time: the activation,
// the normalisation and where it sits, a kept bias before BN, dropout, the outputs.
// The study's convolutional networks are apps/shared's cnn and resnet models.
#include <nabla.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nabla::apps {

enum class Norm { none, batch, group, layer };
enum class Activation { relu, sigmoid };

struct MlpOptions {
    std::vector<std::int64_t> hidden = {256, 256};
    Activation activation = Activation::relu;
    Norm norm = Norm::none;
    bool norm_after_activation = false;  // BN after the nonlinearity instead of before
    bool keep_bias = false;              // keep the bias of a Linear followed by a norm
    float dropout = 0.0f;                // after each hidden activation
    std::int64_t outputs = 10;
};

std::shared_ptr<nn::Sequential> make_mlp(const MlpOptions& o);
// "784-256-256-10, ReLU, BN before the activation": the network table's description.
std::string describe_mlp(const MlpOptions& o);
const char* norm_name(Norm n);  // "no norm", "BatchNorm", "GroupNorm", "LayerNorm"

}  // namespace nabla::apps
