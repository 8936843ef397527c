#include "support/toy_model.h"

#include <catch2/catch.hpp>

#include <functional>
#include <memory>

using namespace nabla;
using namespace nabla::optim;
using nabla::test::make_toy_data;
using nabla::test::ToyData;
using nabla::test::ToyModel;

namespace {

struct Setup {
    const char* name;
    std::function<std::unique_ptr<Optimizer>(const std::vector<Tensor>&)> make;
};

std::vector<Tensor> model_state(const ToyModel& m) {
    std::vector<Tensor> all = m.parameters();
    all.push_back(m.running_mean);
    all.push_back(m.running_var);
    return all;
}

// One step of a full training loop: clipping and a per-step schedule included.
void train(const ToyModel& model, const ToyData& data, Optimizer& opt, LRScheduler& sched, int steps) {
    for (int i = 0; i < steps; ++i) {
        opt.zero_grad();
        model.loss(data).backward();
        clip_grad_norm(opt.parameters(), 1.0);
        opt.step();
        sched.step();
    }
}

}  // namespace

TEST_CASE("training resumed from saved state matches uninterrupted training bit for bit", "[optim][state]") {
    const std::vector<Setup> setups = {
        {"Momentum nesterov",
         [](auto& ps) {
             return std::make_unique<Momentum>(
                 ps, SGDOptions{.lr = 0.1, .momentum = 0.9, .nesterov = true, .weight_decay = 1e-3});
         }},
        {"SGD dampening",
         [](auto& ps) {
             return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.1, .momentum = 0.5, .dampening = 0.3});
         }},
        {"Adam",
         [](auto& ps) { return std::make_unique<Adam>(ps, AdamOptions{.lr = 0.02, .weight_decay = 1e-3}); }},
        {"AdamW",
         [](auto& ps) { return std::make_unique<AdamW>(ps, AdamOptions{.lr = 0.02, .weight_decay = 1e-2}); }},
    };
    const ToyData data = make_toy_data(21);
    for (const Setup& s : setups) {
        SECTION(s.name) {
            ToyModel model(4);
            auto opt = s.make(model.parameters());
            CosineAnnealingLR sched(*opt, 12, 1e-4);
            train(model, data, *opt, sched, 5);

            // The checkpoint: deep copies of the model state, optimizer and scheduler.
            std::vector<Tensor> saved_model;
            for (const Tensor& t : model_state(model)) saved_model.push_back(t.clone());
            const StateDict saved_opt = clone_state(opt->state_dict());
            const StateDict saved_sched = clone_state(sched.state_dict());

            train(model, data, *opt, sched, 7);

            ToyModel resumed(99);  // a different initialisation, overwritten below
            const std::vector<Tensor> resumed_state = model_state(resumed);
            for (std::size_t i = 0; i < saved_model.size(); ++i) {
                Tensor t = resumed_state[i];
                t.copy_(saved_model[i]);
            }
            auto resumed_opt = s.make(resumed.parameters());
            CosineAnnealingLR resumed_sched(*resumed_opt, 12, 1e-4);
            resumed_opt->load_state_dict(saved_opt);
            resumed_sched.load_state_dict(saved_sched);
            CHECK(resumed_opt->step_count() == 5);
            train(resumed, data, *resumed_opt, resumed_sched, 7);

            const std::vector<Tensor> a = model_state(model), b = model_state(resumed);
            for (std::size_t i = 0; i < a.size(); ++i) {
                INFO("tensor " << i);
                CHECK(a[i].to_vector() == b[i].to_vector());
            }
            CHECK(resumed_opt->lr(0) == opt->lr(0));
            CHECK(resumed_opt->step_count() == opt->step_count());
        }
    }
}

TEST_CASE("optimizer state dict names its tensors by parameter index", "[optim][state]") {
    Tensor a = ones({2, 3}).requires_grad_(), b = ones({3}).requires_grad_();
    Adam opt({a, b}, {.lr = 0.01});
    a.set_grad(ones({2, 3}));
    b.set_grad(ones({3}));
    opt.step();
    opt.step();
    const StateDict state = opt.state_dict();
    std::vector<std::string> keys;
    for (const auto& entry : state) keys.push_back(entry.first);
    CHECK(keys == std::vector<std::string>{"param_groups.0.lr", "state.0.exp_avg", "state.0.exp_avg_sq",
                                           "state.1.exp_avg", "state.1.exp_avg_sq", "step"});
    CHECK(state.at("state.0.exp_avg").shape() == Shape({2, 3}));
    CHECK(decode_u64(state.at("step"), "test", "step") == 2);
    CHECK(decode_f64(state.at("param_groups.0.lr"), "test", "lr") == 0.01);
    // A snapshot: further steps do not change it.
    const std::vector<float> m = state.at("state.0.exp_avg").to_vector();
    opt.step();
    CHECK(state.at("state.0.exp_avg").to_vector() == m);
}

TEST_CASE("exact encodings round-trip step counts and learning rates", "[optim][state]") {
    for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{16777217}, ~std::uint64_t{0}})
        CHECK(decode_u64(encode_u64(v), "test", "v") == v);
    for (double lr : {0.1, 1e-3 * 0.7071067811865476, 0.0, 3e-300})
        CHECK(decode_f64(encode_f64(lr), "test", "lr") == lr);
    CHECK_THROWS_WITH(decode_u64(from_vector({0, 0, 0, 0.5f}, {4}), "opt", "step"),
                      "opt: 'step' entry 3 is 0.5, not a 16-bit chunk");
}

TEST_CASE("load_state_dict reports every mismatch at once and changes nothing", "[optim][state]") {
    Tensor a = ones({2, 3}).requires_grad_(), b = ones({3}).requires_grad_();
    SGD opt({a, b}, {.lr = 0.1, .momentum = 0.9});
    a.set_grad(ones({2, 3}));
    b.set_grad(ones({3}));
    opt.step();
    StateDict state = clone_state(opt.state_dict());

    Tensor c = ones({3, 2}).requires_grad_(), d = ones({3}).requires_grad_();
    SGD other({c, d}, {.lr = 0.5, .momentum = 0.9});
    state.erase("step");
    state.emplace("state.7.momentum_buffer", zeros({1}));
    try {
        other.load_state_dict(state);
        FAIL("load_state_dict accepted a mismatched state");
    } catch (const Error& e) {
        const std::string msg = e.what();
        CHECK_THAT(msg, Catch::StartsWith("SGD: state dict does not match (3 problems)"));
        CHECK_THAT(msg, Catch::Contains("missing key 'step'"));
        CHECK_THAT(msg, Catch::Contains("'state.0.momentum_buffer' has shape [2, 3], expected [3, 2]"));
        CHECK_THAT(msg, Catch::Contains("unexpected key 'state.7.momentum_buffer'"));
    }
    CHECK(other.lr(0) == 0.5);
    CHECK(other.step_count() == 0);
    CHECK(other.state_dict().size() == 2);  // "step" and the lr: still no buffers
}
