// Every shape error is a nabla::Error naming the op and both shapes.
#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;
using Catch::Contains;

TEST_CASE("matmul with differing inner dimensions names both shapes", "[autograd][errors]") {
    REQUIRE_THROWS_AS(matmul(zeros({64, 784}), zeros({128, 10})), Error);
    REQUIRE_THROWS_WITH(matmul(zeros({64, 784}), zeros({128, 10})), Contains("matmul") && Contains("inner") &&
                                                                        Contains("[64, 784]") &&
                                                                        Contains("[128, 10]"));
    REQUIRE_THROWS_WITH(matmul(zeros({2, 3, 4}), zeros({3, 4, 5})),
                        Contains("matmul") && Contains("[2, 3, 4]") && Contains("[3, 4, 5]"));
    REQUIRE_THROWS_WITH(matmul(zeros({4}), zeros({4, 2})),
                        Contains("matmul") && Contains("[4]") && Contains("[4, 2]"));
}

TEST_CASE("elementwise ops that cannot broadcast name both shapes", "[autograd][errors]") {
    const Tensor a = zeros({2, 3}), b = zeros({4});
    REQUIRE_THROWS_AS(add(a, b), Error);
    REQUIRE_THROWS_WITH(add(a, b), Contains("add") && Contains("[2, 3]") && Contains("[4]"));
    REQUIRE_THROWS_WITH(sub(a, b), Contains("sub") && Contains("[2, 3]") && Contains("[4]"));
    REQUIRE_THROWS_WITH(a * zeros({3, 3}), Contains("mul") && Contains("[2, 3]") && Contains("[3, 3]"));
    REQUIRE_THROWS_WITH(a / zeros({2, 1, 2}), Contains("div") && Contains("[2, 3]") && Contains("[2, 1, 2]"));
}

TEST_CASE("conv2d with mismatched channels names both shapes", "[autograd][errors]") {
    const Tensor x = zeros({2, 3, 8, 8}), w = zeros({4, 2, 3, 3});
    REQUIRE_THROWS_AS(conv2d(x, w), Error);
    REQUIRE_THROWS_WITH(conv2d(x, w),
                        Contains("conv2d") && Contains("[2, 3, 8, 8]") && Contains("[4, 2, 3, 3]"));
    REQUIRE_THROWS_WITH(conv2d(zeros({3, 8, 8}), w), Contains("conv2d") && Contains("[3, 8, 8]"));
    REQUIRE_THROWS_WITH(conv2d(zeros({2, 2, 8, 8}), w, zeros({3})),
                        Contains("conv2d") && Contains("bias") && Contains("[3]"));
    REQUIRE_THROWS_WITH(conv2d(zeros({1, 2, 2, 2}), w), Contains("conv2d") && Contains("larger"));
}

TEST_CASE("linear with mismatched features names both shapes", "[autograd][errors]") {
    const Tensor x = zeros({5, 7}), w = zeros({3, 6});
    REQUIRE_THROWS_AS(linear(x, w), Error);
    REQUIRE_THROWS_WITH(linear(x, w), Contains("linear") && Contains("[5, 7]") && Contains("[3, 6]"));
    REQUIRE_THROWS_WITH(linear(zeros({5, 6}), w, zeros({4})),
                        Contains("linear") && Contains("bias") && Contains("[4]"));
}

TEST_CASE("cross_entropy with a bad label names the value and the logits' shape", "[autograd][errors]") {
    REQUIRE_THROWS_AS(cross_entropy(zeros({2, 10}), from_vector({3, 10}, {2})), Error);
    REQUIRE_THROWS_WITH(cross_entropy(zeros({2, 10}), from_vector({3, 10}, {2})),
                        Contains("cross_entropy") && Contains("label 10") && Contains("[2, 10]"));
    REQUIRE_THROWS_WITH(cross_entropy(zeros({2, 10}), zeros({2, 1})),
                        Contains("cross_entropy") && Contains("[2, 10]") && Contains("[2, 1]"));
}

TEST_CASE("max_pool2d and log_softmax reject inputs of the wrong rank", "[autograd][errors]") {
    REQUIRE_THROWS_WITH(max_pool2d(zeros({4, 4}), 2), Contains("max_pool2d") && Contains("[4, 4]"));
    REQUIRE_THROWS_WITH(max_pool2d(zeros({1, 1, 4, 4}), 2, 1, 2),
                        Contains("max_pool2d") && Contains("padding"));
    REQUIRE_THROWS_WITH(log_softmax(zeros({2, 3, 4})), Contains("log_softmax") && Contains("[2, 3, 4]"));
}

TEST_CASE("an error gains context once per level as it propagates", "[autograd][errors]") {
    const Error inner("matmul", "inner dimensions differ");
    REQUIRE(std::string(inner.what()) == "matmul: inner dimensions differ");
    REQUIRE(inner.context().empty());

    const Error layer = inner.with_context("Linear(3, 4)");
    CHECK(std::string(layer.what()) == "Linear(3, 4): matmul: inner dimensions differ");
    CHECK(layer.where() == "matmul");  // still the check that failed
    CHECK(layer.context() == std::vector<std::string>{"Linear(3, 4)"});

    const Error model = layer.with_context("Sequential").with_context("Sequential");
    CHECK(std::string(model.what()) == "Sequential: Linear(3, 4): matmul: inner dimensions differ");
    CHECK(model.context() == std::vector<std::string>{"Sequential", "Linear(3, 4)"});
    CHECK(std::string(inner.with_context("matmul").what()) == inner.what());  // not repeated
    CHECK(std::string(inner.with_context("").what()) == inner.what());
}

TEST_CASE("describe shows a tensor's shape, or that it is undefined", "[autograd][errors]") {
    CHECK(describe(zeros({2, 3})) == "[2, 3]");
    CHECK(describe(scalar_tensor(1.0f)) == "[]");
    CHECK(describe(Tensor()) == "undefined");
    REQUIRE_THROWS_WITH(log_softmax(Tensor()), Contains("log_softmax") && Contains("got undefined"));
    REQUIRE_THROWS_WITH(cross_entropy(zeros({2, 3}), Tensor()),
                        Contains("cross_entropy") && Contains("[2, 3]") && Contains("got undefined"));
}
