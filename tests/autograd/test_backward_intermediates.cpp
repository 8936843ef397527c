#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;

TEST_CASE("backward reaches leaves through intermediates the caller no longer holds", "[autograd][tape]") {
    manual_seed(40);
    prune_tape();
    const std::int64_t tape_before = tape_size();
    Tensor a = randn({4, 3}).requires_grad_();
    Tensor loss;
    {
        const Tensor m = a * 2.0f;
        loss = sum(a - m);  // the difference tensor lives only on the tape
    }
    loss.backward();
    REQUIRE(a.grad().defined());
    for (float g : a.grad().to_vector()) CHECK(g == -1.0f);  // d/da (a - 2a) = -1
    CHECK(tape_size() == tape_before);
}
