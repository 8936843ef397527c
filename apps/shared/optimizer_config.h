#pragma once
// The optimizer a run asks for by name, as the trainers' flags and the comparison's
// experiments spell it, and its construction with weight decay kept off biases and BN's
// gamma and beta.
#include <nabla.h>

#include <memory>
#include <string>

namespace nabla::apps {

struct OptimizerConfig {
    std::string name = "momentum";  // sgd | momentum | adam
    float lr = 0.01f;
    float momentum = 0.9f;      // for momentum (and sgd when > 0)
    float weight_decay = 0.0f;  // never applied to biases or BN's gamma/beta
};

// Validates the config (clear errors for lr <= 0, momentum outside [0, 1), ...).
std::unique_ptr<optim::Optimizer> make_optimizer(nn::Module& model, const OptimizerConfig& cfg);
float current_lr(const optim::Optimizer& opt);

}  // namespace nabla::apps
