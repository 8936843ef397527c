#include "support/toy_model.h"

#include <catch2/catch.hpp>

#include <functional>
#include <memory>

using namespace nabla;
using namespace nabla::optim;
using nabla::test::make_toy_data;
using nabla::test::ToyModel;
using nabla::test::train_step;

namespace {

struct NamedMaker {
    const char* name;
    std::function<std::unique_ptr<Optimizer>(const std::vector<Tensor>&)> make;
};

// Every optimizer with settings that train the toy model in a few dozen steps.
std::vector<NamedMaker> all_optimizers() {
    return {
        {"SGD", [](auto& ps) { return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.5}); }},
        {"Momentum",
         [](auto& ps) { return std::make_unique<Momentum>(ps, SGDOptions{.lr = 0.1, .momentum = 0.9}); }},
        {"SGD nesterov",
         [](auto& ps) {
             return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.1, .momentum = 0.9, .nesterov = true});
         }},
        {"Adam", [](auto& ps) { return std::make_unique<Adam>(ps, AdamOptions{.lr = 0.05}); }},
        {"AdamW",
         [](auto& ps) { return std::make_unique<AdamW>(ps, AdamOptions{.lr = 0.05, .weight_decay = 1e-2}); }},
    };
}

}  // namespace

TEST_CASE("each optimizer trains a small model to a low loss", "[optim]") {
    const auto data = make_toy_data(7);
    for (const NamedMaker& m : all_optimizers()) {
        SECTION(m.name) {
            ToyModel model(11);
            auto opt = m.make(model.parameters());
            const float first = train_step(model, data, *opt);
            float last = first;
            for (int i = 0; i < 200; ++i) last = train_step(model, data, *opt);
            INFO(m.name << ": loss " << first << " -> " << last);
            CHECK(first > 0.8f);
            CHECK(last < 0.1f);
        }
    }
}

TEST_CASE("batch_norm gamma and beta change under each optimizer while running stats do not",
          "[optim][batchnorm]") {
    const auto data = make_toy_data(3);
    for (const NamedMaker& m : all_optimizers()) {
        SECTION(m.name) {
            ToyModel model(5);
            // Only gamma and beta go to the optimizer; running stats are buffers.
            auto opt = m.make({model.gamma, model.beta});
            const Tensor gamma0 = model.gamma.clone(), beta0 = model.beta.clone();
            model.loss(data).backward();  // the forward pass updates the running stats
            const Tensor mean0 = model.running_mean.clone(), var0 = model.running_var.clone();
            opt->step();
            CHECK(model.gamma.to_vector() != gamma0.to_vector());
            CHECK(model.beta.to_vector() != beta0.to_vector());
            CHECK(model.running_mean.to_vector() == mean0.to_vector());
            CHECK(model.running_var.to_vector() == var0.to_vector());
            CHECK(opt->parameters().size() == 2);
        }
    }
}

TEST_CASE("step skips parameters without a gradient and zero_grad clears gradients", "[optim]") {
    Tensor a = ones({3}).requires_grad_(), b = ones({2}).requires_grad_();
    SGD opt({a, b}, {.lr = 0.5, .momentum = 0.9});
    a.set_grad(full({3}, 2.0f));
    opt.step();
    CHECK(a.to_vector() == std::vector<float>{0.0f, 0.0f, 0.0f});
    CHECK(b.to_vector() == std::vector<float>{1.0f, 1.0f});
    // Only the stepped parameter has a momentum buffer.
    const StateDict state = opt.state_dict();
    CHECK(state.count("state.0.momentum_buffer") == 1);
    CHECK(state.count("state.1.momentum_buffer") == 0);
    opt.zero_grad();
    CHECK_FALSE(a.grad().defined());
    CHECK_FALSE(b.grad().defined());
}

TEST_CASE("step runs without recording on the tape and bumps the parameter version", "[optim]") {
    Tensor w = ones({2}).requires_grad_();
    Tensor y = mul(w, w);  // saves w for backward
    w.set_grad(ones({2}));
    SGD opt({w}, {.lr = 0.1});
    REQUIRE(is_grad_enabled());
    opt.step();
    CHECK(is_grad_enabled());
    // The in-place update invalidates the saved w, so a stale backward is an error.
    CHECK_THROWS_AS(sum(y).backward(), Error);
}

TEST_CASE("each group uses its own options", "[optim]") {
    Tensor a = ones({2}).requires_grad_(), b = ones({2}).requires_grad_();
    SGD opt(std::vector<ParamGroup<SGDOptions>>{{{a}, {.lr = 0.1}}, {{b}, {.lr = 0.2, .weight_decay = 1.0}}});
    a.set_grad(ones({2}));
    b.set_grad(ones({2}));
    opt.step();
    CHECK(a.data()[0] == Approx(0.9f));
    CHECK(b.data()[0] == Approx(0.6f));  // 1 - 0.2 * (1 + 1 * 1)
    CHECK(opt.num_groups() == 2);
    CHECK(opt.lr(1) == 0.2);
}

TEST_CASE("split_decay_groups keeps biases and batch_norm gamma and beta out of weight decay", "[optim]") {
    ToyModel model(1);
    const DecaySplit split = split_decay(model.named_parameters());
    CHECK(split.decay_names == std::vector<std::string>{"fc1.weight", "fc2.weight"});
    CHECK(split.no_decay_names == std::vector<std::string>{"bn.weight", "bn.bias", "fc2.bias"});

    const auto groups =
        split_decay_groups(model.named_parameters(), AdamOptions{.lr = 0.01, .weight_decay = 0.05});
    REQUIRE(groups.size() == 2);
    CHECK(groups[0].params.size() == 2);
    CHECK(groups[0].options.weight_decay == 0.05);
    CHECK(groups[1].params.size() == 3);
    CHECK(groups[1].options.weight_decay == 0.0);
    CHECK(groups[1].options.lr == 0.01);
    AdamW opt(groups);
    CHECK(opt.options(1).weight_decay == 0.0);

    // A no-decay parameter with zero gradient is left exactly as it was by AdamW.
    model.gamma.set_grad(zeros({16}));
    model.w1.set_grad(zeros({16, 4}));
    const Tensor gamma0 = model.gamma.clone(), w10 = model.w1.clone();
    opt.step();
    CHECK(model.gamma.to_vector() == gamma0.to_vector());
    CHECK(model.w1.to_vector() != w10.to_vector());
}

TEST_CASE("invalid options throw with a message naming the value", "[optim]") {
    Tensor p = ones({2}).requires_grad_();
    const std::vector<Tensor> ps{p};
    CHECK_THROWS_WITH(SGD(ps, {.lr = -0.1}), "SGD: invalid learning rate: -0.1");
    CHECK_THROWS_WITH(SGD(ps, {.lr = 0.1, .momentum = 1.0}), Catch::Contains("invalid momentum: 1"));
    CHECK_THROWS_WITH(SGD(ps, {.lr = 0.1, .momentum = -0.5}), Catch::Contains("invalid momentum: -0.5"));
    CHECK_THROWS_WITH(SGD(ps, {.lr = 0.1, .weight_decay = -1}), Catch::Contains("invalid weight_decay: -1"));
    CHECK_THROWS_WITH(SGD(ps, {.lr = 0.1, .nesterov = true}),
                      Catch::Contains("nesterov momentum requires momentum > 0 and dampening 0"));
    CHECK_THROWS_WITH(SGD(ps, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}),
                      Catch::Contains("dampening 0.1"));
    CHECK_THROWS_WITH(Momentum(ps, {.lr = -2}), "SGD: invalid learning rate: -2");
    CHECK_THROWS_WITH(Momentum(ps, {.lr = 0.1}),
                      "Momentum: group 0 has momentum 0: give one (e.g. {.momentum = "
                      "0.9}) or use SGD");
    CHECK_THROWS_WITH(Adam(ps, {.lr = -0.1}), "Adam: invalid learning rate: -0.1");
    CHECK_THROWS_WITH(Adam(ps, {.beta1 = 1.0}), Catch::Contains("invalid beta1: 1"));
    CHECK_THROWS_WITH(Adam(ps, {.beta2 = -0.1}), Catch::Contains("invalid beta2: -0.1"));
    CHECK_THROWS_WITH(Adam(ps, {.eps = -1e-8}), Catch::Contains("invalid eps: -1e-08"));
    CHECK_THROWS_WITH(AdamW(ps, {.weight_decay = -0.01}), Catch::Contains("invalid weight_decay: -0.01"));

    SGD opt(ps, {.lr = 0.1});
    CHECK_THROWS_WITH(opt.set_lr(0, -0.5), "SGD: invalid learning rate: -0.5");
    CHECK(opt.lr(0) == 0.1);
}

TEST_CASE("optimizers reject empty, duplicated and non-leaf parameters", "[optim]") {
    Tensor p = ones({2}).requires_grad_();
    CHECK_THROWS_WITH(SGD(std::vector<Tensor>{}, {.lr = 0.1}), "SGD: got an empty parameter list");
    CHECK_THROWS_WITH(SGD({p, p}, {.lr = 0.1}), Catch::Contains("appears more than once"));
    const Tensor q = mul(p, 2.0f);
    CHECK_THROWS_WITH(Adam({q}), Catch::Contains("not a leaf tensor"));
}
