#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;

TEST_CASE("manual_seed makes rand and randn sequences repeat", "[core][random]") {
    manual_seed(42);
    const auto a1 = rand({100}).to_vector();
    const auto n1 = randn({100}).to_vector();
    manual_seed(42);
    const auto a2 = rand({100}).to_vector();
    const auto n2 = randn({100}).to_vector();
    REQUIRE(a1 == a2);
    REQUIRE(n1 == n2);
    manual_seed(43);
    REQUIRE(rand({100}).to_vector() != a1);
}

TEST_CASE("rand stays in its range", "[core][random]") {
    manual_seed(1);
    const Tensor t = rand({10000}, -2.0f, 3.0f);
    for (float v : t.to_vector()) {
        REQUIRE(v >= -2.0f);
        REQUIRE(v < 3.0f);
    }
}

TEST_CASE("randn has mean 0 and standard deviation 1", "[core][random]") {
    manual_seed(7);
    const Tensor t = randn({100000});
    double s = 0.0, ss = 0.0;
    for (float v : t.to_vector()) {
        s += v;
        ss += double(v) * v;
    }
    const double mean = s / 1e5, var = ss / 1e5 - mean * mean;
    // The standard error of the mean is 1/sqrt(1e5) ~ 0.003.
    REQUIRE(std::fabs(mean) < 0.015);
    REQUIRE(std::fabs(std::sqrt(var) - 1.0) < 0.015);
    const Tensor shifted = randn({100000}, 5.0f, 2.0f);
    double s2 = 0.0;
    for (float v : shifted.to_vector()) s2 += v;
    REQUIRE(std::fabs(s2 / 1e5 - 5.0) < 0.03);
}
