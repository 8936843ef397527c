#include "apps/shared/optimizer_config.h"

#include <cmath>

namespace nabla::apps {

std::unique_ptr<optim::Optimizer> make_optimizer(nn::Module& model, const OptimizerConfig& cfg) {
    NABLA_CHECK(cfg.lr > 0.0f && std::isfinite(cfg.lr), "optimizer", "invalid learning rate: {}", cfg.lr);
    NABLA_CHECK(cfg.momentum >= 0.0f && cfg.momentum < 1.0f, "optimizer",
                "invalid momentum: {} (expected [0, 1))", cfg.momentum);
    NABLA_CHECK(cfg.weight_decay >= 0.0f, "optimizer", "invalid weight decay: {}", cfg.weight_decay);
    // Weight decay never touches biases or BN's gamma and beta (optim::split_decay).
    const auto named = model.named_parameters();
    if (cfg.name == "sgd" || cfg.name == "momentum") {
        const float momentum = cfg.name == "sgd" ? 0.0f : cfg.momentum;
        return std::make_unique<optim::SGD>(optim::split_decay_groups(
            named, optim::SGDOptions{.lr = cfg.lr, .momentum = momentum, .weight_decay = cfg.weight_decay}));
    }
    if (cfg.name == "adam")
        return std::make_unique<optim::Adam>(optim::split_decay_groups(
            named, optim::AdamOptions{.lr = cfg.lr, .weight_decay = cfg.weight_decay}));
    throw Error("optimizer",
                fmt::format("unknown optimizer '{}' (expected sgd, momentum or adam)", cfg.name));
}

float current_lr(const optim::Optimizer& opt) { return static_cast<float>(opt.lr(0)); }

}  // namespace nabla::apps
