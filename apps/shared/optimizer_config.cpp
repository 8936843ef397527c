#include "apps/shared/optimizer_config.h"

#include <cmath>

namespace nabla::apps {

std::unique_ptr<optim::Optimizer> make_optimizer(nn::Module& model, const OptimizerConfig& cfg) {
    NABLA_CHECK(cfg.lr > 0.0f && std::isfinite(cfg.lr), "optimizer", "invalid learning rate: {}", cfg.lr);
    const float momentum = cfg.momentum.value_or(cfg.name == "momentum" ? 0.9f : 0.0f);
    NABLA_CHECK(momentum >= 0.0f && momentum < 1.0f, "optimizer", "invalid momentum: {} (expected [0, 1))",
                momentum);
    NABLA_CHECK(cfg.weight_decay >= 0.0f, "optimizer", "invalid weight decay: {}", cfg.weight_decay);
    // Weight decay never touches biases or BN's gamma and beta (optim::split_decay).
    const auto named = model.named_parameters();
    if (cfg.name == "sgd" || cfg.name == "momentum") {
        return std::make_unique<optim::SGD>(optim::split_decay_groups(
            named, optim::SGDOptions{.lr = cfg.lr,
                                     .momentum = cfg.name == "sgd" ? 0.0f : momentum,
                                     .weight_decay = cfg.weight_decay}));
    }
    if (cfg.name == "adam")
        return std::make_unique<optim::Adam>(optim::split_decay_groups(
            named, optim::AdamOptions{.lr = cfg.lr, .weight_decay = cfg.weight_decay}));
    // PyTorch's RMSprop defaults (alpha 0.99, eps 1e-8) beside the run's lr, momentum and decay.
    if (cfg.name == "rmsprop")
        return std::make_unique<optim::RMSprop>(optim::split_decay_groups(
            named,
            optim::RMSpropOptions{.lr = cfg.lr, .weight_decay = cfg.weight_decay, .momentum = momentum}));
    throw Error("optimizer",
                fmt::format("unknown optimizer '{}' (expected sgd, momentum, adam or rmsprop)", cfg.name));
}

float current_lr(const optim::Optimizer& opt) { return static_cast<float>(opt.lr(0)); }

}  // namespace nabla::apps
