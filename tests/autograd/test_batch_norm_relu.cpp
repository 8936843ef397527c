// batch_norm_relu: the fused BatchNorm + ReLU gives relu(batch_norm(...))'s bits forward and
// backward, passes gradcheck, and Sequential runs it for a BatchNorm followed by a ReLU.
#include "support/gradcheck.h"
#include "support/inputs.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <algorithm>

using namespace nabla;
using nabla::test::param;
using nabla::test::passes_gradcheck;

namespace {

using In = const std::vector<Tensor>&;

bool same_bits(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() && std::equal(a.data(), a.data() + a.numel(), b.data());
}

// Output and the gradients of x, gamma and beta (for an upstream gradient that is not all
// ones), with fresh running statistics updated by the forward.
struct Run {
    Tensor y, dx, dgamma, dbeta, running_mean, running_var;
};

Run run(bool fused, const Tensor& x0, const Tensor& gamma0, const Tensor& beta0, const Tensor& upstream,
        bool training) {
    Tensor x = x0.clone().requires_grad_(), gamma = gamma0.clone().requires_grad_(),
           beta = beta0.clone().requires_grad_();
    const std::int64_t C = x0.size(1);
    Tensor rm = full({C}, 0.25f), rv = full({C}, 2.0f);
    const BatchNormArgs args{.use_batch_stats = training, .update_running_stats = training};
    const Tensor y = fused ? batch_norm_relu(x, gamma, beta, rm, rv, args)
                           : relu(batch_norm(x, gamma, beta, rm, rv, args));
    sum(mul(y, upstream)).backward();
    return {y.detach(), x.grad(), gamma.grad(), beta.grad(), rm, rv};
}

}  // namespace

TEST_CASE("batch_norm_relu gives relu(batch_norm)'s bits forward and backward, training and eval",
          "[autograd][batch_norm]") {
    manual_seed(620);
    for (const Shape& s : {Shape{16, 5}, Shape{4, 3, 7}, Shape{3, 4, 5, 6}}) {
        for (bool training : {true, false}) {
            INFO(fmt::format("input {}, training {}", s, training));
            const Tensor x = randn(s), gamma = randn({s[1]}), beta = randn({s[1]}), up = randn(s);
            const Run a = run(true, x, gamma, beta, up, training),
                      b = run(false, x, gamma, beta, up, training);
            REQUIRE(same_bits(a.y, b.y));
            REQUIRE(std::count(a.y.data(), a.y.data() + a.y.numel(), 0.0f) > 0);  // the ReLU cut something
            REQUIRE(same_bits(a.dx, b.dx));
            REQUIRE(same_bits(a.dgamma, b.dgamma));
            REQUIRE(same_bits(a.dbeta, b.dbeta));
            REQUIRE(same_bits(a.running_mean, b.running_mean));
            REQUIRE(same_bits(a.running_var, b.running_var));
        }
    }
}

TEST_CASE("gradcheck batch_norm_relu for input, gamma and beta", "[autograd][gradcheck][batch_norm]") {
    manual_seed(621);
    for (const Shape& s : {Shape{6, 3}, Shape{2, 3, 3, 2}}) {
        INFO(fmt::format("input {}", s));
        const std::int64_t C = s[1];
        // Away from the ReLU's kink: beta shifts the normalised values off zero.
        const Tensor x = param(s, -2.0f, 2.0f), gamma = param({C}, 0.5f, 1.5f), beta = param({C}, 0.3f, 0.6f);
        Tensor rm = zeros({C}), rv = ones({C});
        REQUIRE(passes_gradcheck([&](In in) { return batch_norm_relu(in[0], in[1], in[2], rm, rv); },
                                 {x, gamma, beta}));
    }
}

TEST_CASE("Sequential fuses a BatchNorm followed by a ReLU and gets the layers' own results",
          "[layers][batchnorm]") {
    manual_seed(622);
    nn::Sequential model;
    auto& conv = model.append(nn::Conv2d({.in = 2, .out = 3, .kernel = 3, .padding = 1, .bias = false}));
    auto& norm = model.append(nn::BatchNorm2d({.num_features = 3}));
    model.append(nn::ReLU());
    const Tensor x = randn({4, 2, 5, 5}), up = randn({4, 3, 5, 5});
    set_op_profiling(true);
    reset_op_profile();
    const Tensor y_fused = model(x);
    sum(mul(y_fused, up)).backward();
    const std::vector<OpProfile> ops = op_profile();
    set_op_profiling(false);
    const auto recorded = [&](const std::string& op) {
        return std::any_of(ops.begin(), ops.end(), [&](const OpProfile& p) { return p.op == op; });
    };
    REQUIRE(recorded("batch_norm_relu"));  // one fused entry, neither of the two ops
    REQUIRE(!recorded("batch_norm"));
    REQUIRE(!recorded("relu"));
    const std::vector<Tensor> grads_fused{conv.parameters()[0].grad().clone(),
                                          norm.parameters()[0].grad().clone(),
                                          norm.parameters()[1].grad().clone()};
    // The same layers one by one, from the same parameters and fresh running statistics.
    model.zero_grad();
    norm.reset_running_stats();
    const Tensor y_apart = relu(norm(conv(x)));
    sum(mul(y_apart, up)).backward();
    REQUIRE(same_bits(y_fused.detach(), y_apart.detach()));
    REQUIRE(same_bits(grads_fused[0], conv.parameters()[0].grad()));
    REQUIRE(same_bits(grads_fused[1], norm.parameters()[0].grad()));
    REQUIRE(same_bits(grads_fused[2], norm.parameters()[1].grad()));
    REQUIRE(norm.num_batches_tracked().item() == 1.0f);
}
