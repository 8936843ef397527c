#include "apps/common/train_loop.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace nabla::apps {

std::unique_ptr<optim::Optimizer> make_optimizer(nn::Module& model, const OptimizerConfig& cfg) {
    NABLA_CHECK(cfg.lr > 0.0f && std::isfinite(cfg.lr), "optimizer", "invalid learning rate: {}", cfg.lr);
    NABLA_CHECK(cfg.momentum >= 0.0f && cfg.momentum < 1.0f, "optimizer", "invalid momentum: {} (expected [0, 1))",
                cfg.momentum);
    NABLA_CHECK(cfg.weight_decay >= 0.0f, "optimizer", "invalid weight decay: {}", cfg.weight_decay);
    // Weight decay never touches biases or BN's gamma and beta (optim::split_decay).
    const auto named = model.named_parameters();
    if (cfg.name == "sgd" || cfg.name == "momentum") {
        const float momentum = cfg.name == "sgd" ? 0.0f : cfg.momentum;
        return std::make_unique<optim::SGD>(optim::split_decay_groups(
            named, optim::SGDOptions{.lr = cfg.lr, .momentum = momentum, .weight_decay = cfg.weight_decay}));
    }
    if (cfg.name == "adam")
        return std::make_unique<optim::Adam>(
            optim::split_decay_groups(named, optim::AdamOptions{.lr = cfg.lr, .weight_decay = cfg.weight_decay}));
    throw Error("optimizer", fmt::format("unknown optimizer '{}' (expected sgd, momentum or adam)", cfg.name));
}

float current_lr(const optim::Optimizer& opt) { return static_cast<float>(opt.lr(0)); }

Tensor model_input(const Tensor& images, ModelKind kind) {
    return takes_images(kind) ? images : images.flatten(1);
}

namespace {
std::int64_t count_correct(const Tensor& logits, const Tensor& labels) {
    const Tensor pred = argmax(logits, 1);
    std::int64_t c = 0;
    for (std::int64_t i = 0; i < pred.numel(); ++i) c += pred.data()[i] == labels.data()[i];
    return c;
}
}  // namespace

Error non_finite_loss(double loss, std::int64_t step, int epoch) {
    return Error("train", fmt::format("the loss became {} at step {} of epoch {}: training diverged (try a lower "
                                      "learning rate)",
                                      loss, step, epoch));
}

StepStats train_step(nn::Module& model, optim::Optimizer& opt, const data::Batch& batch, ModelKind kind) {
    const Tensor logits = model(model_input(batch.x, kind));
    const Tensor loss = nn::cross_entropy(logits, batch.y);
    const float value = loss.item();
    if (!std::isfinite(value)) return {value, false, 0, batch.y.numel()};
    opt.zero_grad();
    loss.backward();
    opt.step();
    return {value, true, count_correct(logits, batch.y), batch.y.numel()};
}

Evaluation evaluate(nn::Module& model, const data::Dataset& dataset, ModelKind kind, std::int64_t limit,
                    std::int64_t batch_size) {
    const bool was_training = model.is_training();
    model.eval();
    NoGradGuard no_grad;
    const std::int64_t n = limit > 0 ? std::min(limit, dataset.size()) : dataset.size();
    Evaluation ev;
    double loss_sum = 0.0;
    std::int64_t correct = 0;
    std::vector<std::int64_t> idx;
    for (std::int64_t start = 0; start < n; start += batch_size) {
        idx.resize(size_t(std::min(batch_size, n - start)));
        std::iota(idx.begin(), idx.end(), start);
        const data::Batch b = dataset.get_batch(idx);
        const Tensor logits = model(model_input(b.x, kind));
        loss_sum += nn::cross_entropy(logits, b.y, Reduction::sum).item();
        correct += count_correct(logits, b.y);
    }
    model.train(was_training);
    ev.count = n;
    ev.loss = n ? loss_sum / double(n) : 0.0;
    ev.accuracy = n ? double(correct) / double(n) : 0.0;
    return ev;
}

}  // namespace nabla::apps
