#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;

TEST_CASE("tensor copies share storage and clone copies", "[core][tensor]") {
    Tensor a = zeros({2, 3});
    Tensor b = a;
    b.at({1, 2}) = 5.0f;
    REQUIRE(a.at({1, 2}) == 5.0f);
    Tensor c = a.clone();
    c.at({0, 0}) = 7.0f;
    REQUIRE(a.at({0, 0}) == 0.0f);
}
