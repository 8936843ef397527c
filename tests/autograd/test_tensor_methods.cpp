// The PyTorch-style Tensor methods (transpose and t included): each gives what its free op gives, with the
// same gradient, so `logits.argmax(1)` and `loss.sum().backward()` read as in PyTorch.
#include "support/compare.h"
#include "support/gradcheck.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <functional>
#include <string>

using namespace nabla;
using nabla::test::all_close;

namespace {

// [[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10, 11]]], as a leaf that requires grad.
Tensor cube() { return (arange(0, 12) * 0.25f + 0.5f).reshape({2, 2, 3}).detach().requires_grad_(); }

struct MethodCase {
    std::string name;
    std::function<Tensor(const Tensor&)> method, free_op;
};

}  // namespace

TEST_CASE("tensor methods give the free op's value and gradient", "[autograd][tensor_methods]") {
    const std::vector<MethodCase> cases = {
        {"sum()", [](const Tensor& x) { return x.sum(); }, [](const Tensor& x) { return sum(x); }},
        {"sum(1)", [](const Tensor& x) { return x.sum(1); }, [](const Tensor& x) { return sum(x, {1}); }},
        {"sum({0, 2}, true)",
         [](const Tensor& x) {
             return x.sum({0, 2}, true);
         },
         [](const Tensor& x) {
             return sum(x, {0, 2}, true);
         }},
        {"mean()", [](const Tensor& x) { return x.mean(); }, [](const Tensor& x) { return mean(x); }},
        {"mean(-1, true)", [](const Tensor& x) { return x.mean(-1, true); },
         [](const Tensor& x) { return mean(x, {-1}, true); }},
        {"mean({1, 2})",
         [](const Tensor& x) {
             return x.mean({1, 2});
         },
         [](const Tensor& x) {
             return mean(x, {1, 2});
         }},
        {"max()", [](const Tensor& x) { return x.max(); }, [](const Tensor& x) { return max(x); }},
        {"max(2)", [](const Tensor& x) { return x.max(2); }, [](const Tensor& x) { return max(x, {2}); }},
        {"max({0, 1}, true)",
         [](const Tensor& x) {
             return x.max({0, 1}, true);
         },
         [](const Tensor& x) {
             return max(x, {0, 1}, true);
         }},
        {"exp", [](const Tensor& x) { return x.exp(); }, [](const Tensor& x) { return exp(x); }},
        {"log", [](const Tensor& x) { return x.log(); }, [](const Tensor& x) { return log(x); }},
        {"sqrt", [](const Tensor& x) { return x.sqrt(); }, [](const Tensor& x) { return sqrt(x); }},
        {"pow", [](const Tensor& x) { return x.pow(3.0f); }, [](const Tensor& x) { return pow(x, 3.0f); }},
        {"relu", [](const Tensor& x) { return (x - 2.1f).relu(); },
         [](const Tensor& x) { return relu(x - 2.1f); }},
        {"sigmoid", [](const Tensor& x) { return x.sigmoid(); }, [](const Tensor& x) { return sigmoid(x); }},
        {"tanh", [](const Tensor& x) { return x.tanh(); }, [](const Tensor& x) { return tanh(x); }},
        {"transpose", [](const Tensor& x) { return x.transpose(0, 2); },
         [](const Tensor& x) { return transpose(x, 0, 2); }},
        {"t",
         [](const Tensor& x) {
             return x.reshape({4, 3}).t();
         },
         [](const Tensor& x) {
             return transpose(x.reshape({4, 3}), 0, 1);
         }},
        {"matmul",
         [](const Tensor& x) {
             return x.matmul(x.reshape({2, 3, 2}));
         },
         [](const Tensor& x) {
             return matmul(x, x.reshape({2, 3, 2}));
         }},
    };
    for (const MethodCase& c : cases) {
        SECTION(c.name) {
            const Tensor a = cube(), b = cube();
            const Tensor by_method = c.method(a), by_op = c.free_op(b);
            REQUIRE(by_method.shape() == by_op.shape());
            REQUIRE(by_method.to_vector() == by_op.to_vector());
            by_method.sum().backward();
            sum(by_op).backward();
            REQUIRE(a.grad().defined());
            REQUIRE(a.grad().to_vector() == b.grad().to_vector());
        }
    }
}

TEST_CASE("argmax methods return indices along a dimension or into the flat tensor",
          "[autograd][tensor_methods]") {
    const Tensor logits = from_vector({0.1f, 2.0f, -1.0f, 3.0f, 0.5f, 0.2f}, {2, 3});
    REQUIRE(logits.argmax(1).shape() == Shape{2});
    REQUIRE(logits.argmax(1).to_vector() == std::vector<float>{1, 0});
    REQUIRE(logits.argmax(0, true).shape() == Shape{1, 3});
    REQUIRE(logits.argmax(0, true).to_vector() == std::vector<float>{1, 0, 1});
    REQUIRE(logits.argmax().shape() == Shape{});
    REQUIRE(logits.argmax().item() == 3.0f);
    REQUIRE_THROWS_WITH(logits.argmax(2), Catch::Contains("argmax") && Catch::Contains("out of range"));
}

TEST_CASE("tensor methods chain as in PyTorch", "[autograd][tensor_methods]") {
    // loss = mean over the batch of log(sum(exp(x), 1)): a logsumexp written with methods.
    Tensor x = from_vector({0.0f, 1.0f, 2.0f, -1.0f, 0.5f, 0.25f}, {2, 3}).requires_grad_();
    const Tensor loss = x.exp().sum(1).log().mean();
    const float row0 = std::log(1.0f + std::exp(1.0f) + std::exp(2.0f));
    const float row1 = std::log(std::exp(-1.0f) + std::exp(0.5f) + std::exp(0.25f));
    REQUIRE(loss.item() == Approx((row0 + row1) / 2).epsilon(1e-6));
    loss.backward();
    // d/dx of mean(logsumexp) is softmax(x) / 2 per row.
    const float s0 = std::exp(row0), s1 = std::exp(row1);
    REQUIRE(
        all_close(x.grad(), {0.5f / s0, std::exp(1.0f) / 2 / s0, std::exp(2.0f) / 2 / s0,
                             std::exp(-1.0f) / 2 / s1, std::exp(0.5f) / 2 / s1, std::exp(0.25f) / 2 / s1}));
}
