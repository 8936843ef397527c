#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;

TEST_CASE("backward reaches leaves through intermediates held only by the tape", "[autograd][tape]") {
    // The product below is owned by the tape alone once the statement ends; backward
    // must still carry its gradient through to w, and then free the entries it ran.
    prune_tape();  // entries of graphs other cases built and never ran backward on
    const std::int64_t before = tape_size();
    Tensor w = from_vector({1.0f, 2.0f}, {2}).requires_grad_();
    const Tensor y = sum(relu(mul(w, w)));
    y.backward();
    REQUIRE(w.grad().defined());
    CHECK(w.grad().to_vector() == std::vector<float>{2.0f, 4.0f});
    CHECK(tape_size() == before);
}
