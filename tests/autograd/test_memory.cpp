// No growth of live tensors or tape entries over many training steps, and graphs
// never backwarded are freed by pruning.
#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;

namespace {
struct TinyModel {
    Tensor w1, b1, w2, b2;
    std::vector<Tensor*> params() { return {&w1, &b1, &w2, &b2}; }
};

void sgd_step(TinyModel& m, const Tensor& x, const Tensor& labels, float lr) {
    const Tensor loss = cross_entropy(linear(relu(linear(x, m.w1, m.b1)), m.w2, m.b2), labels);
    loss.backward();
    NoGradGuard no_grad;
    for (Tensor* p : m.params()) {
        const Tensor g = p->grad();
        for (std::int64_t i = 0; i < p->numel(); ++i) p->data()[i] -= lr * g.data()[i];
        p->bump_version();
        p->set_grad(Tensor());
    }
}
}  // namespace

TEST_CASE("1000 training steps keep the live tensor count and tape size flat", "[autograd][memory]") {
    // Without this a prune of entries other cases left, due at any record(), could change
    // both counts between the two measurements.
    prune_tape();
    manual_seed(400);
    TinyModel m{randn({16, 8}, 0.0f, 0.3f), zeros({16}), randn({4, 16}, 0.0f, 0.3f), zeros({4})};
    for (Tensor* p : m.params()) p->requires_grad_();
    const Tensor x = randn({32, 8});
    Tensor labels = empty({32});
    for (std::int64_t i = 0; i < 32; ++i) labels.data()[i] = float(i % 4);

    std::int64_t live_at_10 = 0, tape_at_10 = 0;
    float first_loss = 0.0f;
    {
        NoGradGuard g;
        first_loss = cross_entropy(linear(relu(linear(x, m.w1, m.b1)), m.w2, m.b2), labels).item();
    }
    for (int step = 1; step <= 1000; ++step) {
        sgd_step(m, x, labels, 0.1f);
        if (step == 10) {
            live_at_10 = live_tensor_count();
            tape_at_10 = tape_size();
        }
    }
    REQUIRE(live_tensor_count() == live_at_10);
    REQUIRE(tape_size() == tape_at_10);
    // And it trained: the loss on the fixed batch went down.
    NoGradGuard g;
    REQUIRE(cross_entropy(linear(relu(linear(x, m.w1, m.b1)), m.w2, m.b2), labels).item() < first_loss);
}

TEST_CASE("graphs built but never backwarded are freed by prune_tape", "[autograd][memory]") {
    prune_tape();
    const auto tape_before = tape_size();
    const auto live_before = live_tensor_count();
    {
        Tensor w = randn({4, 4});
        w.requires_grad_();
        for (int i = 0; i < 200; ++i) {
            const Tensor y = sum(tanh(matmul(randn({2, 4}), w) * 2.0f + 1.0f));
            REQUIRE(y.requires_grad());
        }
        REQUIRE(tape_size() > tape_before);
        prune_tape();
        REQUIRE(tape_size() == tape_before);
    }
    REQUIRE(live_tensor_count() == live_before);
}

TEST_CASE("the tape prunes itself as it grows", "[autograd][memory]") {
    prune_tape();
    const auto tape_before = tape_size();
    Tensor w = ones({2});
    w.requires_grad_();
    for (int i = 0; i < 20000; ++i) (void)exp(w * 2.0f);
    // record() prunes at a threshold of a few thousand entries, so 40,000 never pile up.
    REQUIRE(tape_size() - tape_before < 10000);
}

TEST_CASE("a graph held alive keeps its entries through pruning", "[autograd][memory]") {
    prune_tape();
    const auto tape_before = tape_size();
    Tensor w = from_vector({1, 2}, {2});
    w.requires_grad_();
    const Tensor l = sum(w * w);
    prune_tape();
    REQUIRE(tape_size() == tape_before + 2);
    l.backward();
    REQUIRE(w.grad().to_vector() == std::vector<float>{2, 4});
}
