// gradcheck of the elementwise ops, reductions and reshapes, including broadcasting.
#include "support/gradcheck.h"
#include "support/inputs.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;
using nabla::test::away_from_zero;
using nabla::test::distinct;
using nabla::test::param;
using nabla::test::passes_gradcheck;

namespace {
using In = const std::vector<Tensor>&;

std::vector<std::vector<Shape>> broadcast_cases() {
    return {{Shape{3, 4}, Shape{3, 4}},
            {Shape{3, 4}, Shape{4}},
            {Shape{4}, Shape{3, 4}},
            {Shape{}, Shape{2, 3}},
            {Shape{2, 3}, Shape{}},
            {Shape{2, 1, 4}, Shape{2, 3, 1}},
            {Shape{2, 3, 2, 2}, Shape{1, 3, 1, 1}},
            {Shape{3, 1, 5}, Shape{3, 4, 5}}};
}
}  // namespace

TEST_CASE("gradcheck add sub mul div with broadcasting", "[autograd][gradcheck]") {
    manual_seed(100);
    for (const auto& c : broadcast_cases()) {
        INFO(fmt::format("{} and {}", c[0], c[1]));
        const Tensor a = param(c[0]), b = param(c[1]);
        const Tensor pos = param(c[1], 0.5f, 1.5f);  // denominators away from 0
        REQUIRE(passes_gradcheck([](In in) { return add(in[0], in[1]); }, {a, b}));
        REQUIRE(passes_gradcheck([](In in) { return sub(in[0], in[1]); }, {a, b}));
        REQUIRE(passes_gradcheck([](In in) { return mul(in[0], in[1]); }, {a, b}));
        REQUIRE(passes_gradcheck([](In in) { return div(in[0], in[1]); }, {a, pos}));
    }
}

TEST_CASE("gradcheck the scalar variants and operators", "[autograd][gradcheck]") {
    manual_seed(101);
    const Tensor x = param({3, 4});
    REQUIRE(passes_gradcheck([](In in) { return add(in[0], 2.5f); }, {x}));
    REQUIRE(passes_gradcheck([](In in) { return mul(in[0], -1.5f); }, {x}));
    REQUIRE(passes_gradcheck([](In in) { return 1.0f - in[0] / 4.0f; }, {x}));
    REQUIRE(passes_gradcheck([](In in) { return -in[0] * in[0] + 3.0f * in[0]; }, {x}));
}

TEST_CASE("gradcheck the unary ops", "[autograd][gradcheck]") {
    manual_seed(102);
    for (const Shape& s : {Shape{5}, Shape{2, 3, 4}}) {
        INFO(fmt::format("shape {}", s));
        const Tensor x = param(s, -2.0f, 2.0f);
        const Tensor pos = param(s, 0.5f, 2.0f);
        REQUIRE(passes_gradcheck([](In in) { return neg(in[0]); }, {x}));
        REQUIRE(passes_gradcheck([](In in) { return exp(in[0]); }, {x}));
        REQUIRE(passes_gradcheck([](In in) { return log(in[0]); }, {pos}));
        REQUIRE(passes_gradcheck([](In in) { return sqrt(in[0]); }, {pos}));
        REQUIRE(passes_gradcheck([](In in) { return pow(in[0], 2.0f); }, {x}));
        REQUIRE(passes_gradcheck([](In in) { return pow(in[0], 3.0f); }, {x}));
        REQUIRE(passes_gradcheck([](In in) { return pow(in[0], -1.5f); }, {pos}));
        REQUIRE(passes_gradcheck([](In in) { return relu(in[0]); }, {away_from_zero(s)}));
        REQUIRE(passes_gradcheck([](In in) { return sigmoid(in[0]); }, {x}));
        REQUIRE(passes_gradcheck([](In in) { return tanh(in[0]); }, {x}));
    }
}

TEST_CASE("gradcheck sum and mean over all and given dims", "[autograd][gradcheck]") {
    manual_seed(103);
    const Tensor x = param({2, 3, 4});
    REQUIRE(passes_gradcheck([](In in) { return sum(in[0]); }, {x}));
    REQUIRE(passes_gradcheck([](In in) { return mean(in[0]); }, {x}));
    for (bool keep : {false, true}) {
        INFO("keepdim " << keep);
        REQUIRE(passes_gradcheck([keep](In in) { return sum(in[0], {1}, keep); }, {x}));
        REQUIRE(passes_gradcheck([keep](In in) { return sum(in[0], {0, -1}, keep); }, {x}));
        REQUIRE(passes_gradcheck([keep](In in) { return mean(in[0], {-2}, keep); }, {x}));
        REQUIRE(passes_gradcheck([keep](In in) { return mean(in[0], {0, 2}, keep); }, {x}));
    }
}

TEST_CASE("gradcheck max over all and given dims", "[autograd][gradcheck]") {
    manual_seed(104);
    const Tensor x = distinct({3, 4, 2});
    REQUIRE(passes_gradcheck([](In in) { return max(in[0]); }, {x}));
    for (bool keep : {false, true}) {
        INFO("keepdim " << keep);
        REQUIRE(passes_gradcheck([keep](In in) { return max(in[0], {1}, keep); }, {x}));
        REQUIRE(passes_gradcheck([keep](In in) { return max(in[0], {0, -1}, keep); }, {x}));
    }
}

TEST_CASE("gradcheck reshape and flatten", "[autograd][gradcheck]") {
    manual_seed(105);
    const Tensor x = param({2, 3, 4});
    REQUIRE(passes_gradcheck([](In in) { return in[0].reshape({4, -1}) * in[0].reshape({4, 6}); }, {x}));
    REQUIRE(passes_gradcheck([](In in) { return exp(in[0].flatten(1)); }, {x}));
    REQUIRE(passes_gradcheck([](In in) { return in[0].view({24}); }, {x}));
}

TEST_CASE("gradcheck a composite expression reusing its inputs", "[autograd][gradcheck]") {
    manual_seed(106);
    const Tensor x = param({3, 4}), b = param({4});
    REQUIRE(passes_gradcheck(
        [](In in) {
            const Tensor h = tanh(in[0] * in[1] + in[1]);
            return sigmoid(h * h - in[0]) / (1.0f + exp(h));
        },
        {x, b}));
}
