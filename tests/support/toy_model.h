#pragma once
// A small classifier built straight from autograd ops (linear -> batch_norm -> relu
// -> linear -> cross_entropy), with its parameters as leaf tensors, and a fixed
// learnable data set: labels come from a random linear teacher.
#include <nabla.h>

#include <string>
#include <utility>
#include <vector>

namespace nabla::test {

struct ToyData {
    Tensor x, labels;
};

inline ToyData make_toy_data(std::uint64_t seed, std::int64_t n = 64, std::int64_t features = 4,
                             std::int64_t classes = 3) {
    manual_seed(seed);
    ToyData d;
    d.x = randn({n, features});
    const Tensor teacher = randn({classes, features});
    d.labels = argmax(linear(d.x, teacher), 1);
    return d;
}

struct ToyModel {
    Tensor w1, gamma, beta, w2, b2;    // parameters
    Tensor running_mean, running_var;  // buffers: never given to an optimizer

    explicit ToyModel(std::uint64_t seed, std::int64_t features = 4, std::int64_t hidden = 16,
                      std::int64_t classes = 3) {
        manual_seed(seed);
        w1 = randn({hidden, features}, 0.0f, 0.5f).requires_grad_();
        gamma = ones({hidden}).requires_grad_();
        beta = zeros({hidden}).requires_grad_();
        w2 = randn({classes, hidden}, 0.0f, 0.25f).requires_grad_();
        b2 = zeros({classes}).requires_grad_();
        running_mean = zeros({hidden});
        running_var = ones({hidden});
    }

    std::vector<std::pair<std::string, Tensor>> named_parameters() const {
        return {{"fc1.weight", w1},
                {"bn.weight", gamma},
                {"bn.bias", beta},
                {"fc2.weight", w2},
                {"fc2.bias", b2}};
    }
    std::vector<Tensor> parameters() const { return {w1, gamma, beta, w2, b2}; }

    Tensor loss(const ToyData& d) const {
        const Tensor h = relu(batch_norm(linear(d.x, w1), gamma, beta, running_mean, running_var));
        return cross_entropy(linear(h, w2, b2), d.labels);
    }
};

// One training step: forward, backward, optimizer step; returns the loss before the step.
inline float train_step(const ToyModel& model, const ToyData& data, optim::Optimizer& opt) {
    opt.zero_grad();
    const Tensor loss = model.loss(data);
    loss.backward();
    opt.step();
    return loss.item();
}

}  // namespace nabla::test
