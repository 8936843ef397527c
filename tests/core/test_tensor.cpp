#include "support/guards.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <cmath>

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

TEST_CASE("factories fill shapes with the expected values", "[core][tensor]") {
    REQUIRE(zeros({2, 2}).to_vector() == std::vector<float>{0, 0, 0, 0});
    REQUIRE(ones({3}).to_vector() == std::vector<float>{1, 1, 1});
    REQUIRE(full({2}, 2.5f).to_vector() == std::vector<float>{2.5f, 2.5f});
    REQUIRE(arange(0, 5).to_vector() == std::vector<float>{0, 1, 2, 3, 4});
    REQUIRE(arange(1, 2, 0.25f).to_vector() == std::vector<float>{1, 1.25f, 1.5f, 1.75f});
    REQUIRE(arange(3, 0, -1).to_vector() == std::vector<float>{3, 2, 1});
    REQUIRE(arange(0, 0).numel() == 0);
    const Tensor s = scalar_tensor(4.0f);
    REQUIRE(s.shape() == Shape{});
    REQUIRE(s.dim() == 0);
    REQUIRE(s.numel() == 1);
    REQUIRE(s.item() == 4.0f);
    REQUIRE(zeros({0, 5}).numel() == 0);
}

TEST_CASE("tensor accessors check their arguments", "[core][tensor]") {
    Tensor t = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
    REQUIRE(t.at({1, 0}) == 4.0f);
    REQUIRE(t.size(-1) == 3);
    REQUIRE(t.size(0) == 2);
    REQUIRE_THROWS_WITH(t.at({2, 0}), Catch::Contains("at") && Catch::Contains("[2, 3]"));
    REQUIRE_THROWS_WITH(t.at({0}), Catch::Contains("at") && Catch::Contains("[2, 3]"));
    REQUIRE_THROWS_WITH(t.item(), Catch::Contains("item") && Catch::Contains("[2, 3]"));
    REQUIRE_THROWS_WITH(from_vector({1, 2, 3}, {2, 2}),
                        Catch::Contains("from_vector") && Catch::Contains("[2, 2]"));
    REQUIRE_THROWS_WITH(t.copy_(zeros({5})), Catch::Contains("copy_") && Catch::Contains("[5]"));
    REQUIRE_THROWS_AS(Tensor().shape(), Error);
    REQUIRE_FALSE(Tensor().defined());
}

TEST_CASE("in-place writes bump the storage version shared by aliases", "[core][tensor]") {
    Tensor t = zeros({4});
    Tensor alias = t.detach();
    const auto v0 = t.impl()->storage->version();
    t.fill_(1.0f);
    REQUIRE(alias.to_vector() == std::vector<float>{1, 1, 1, 1});
    REQUIRE(alias.impl()->storage->version() > v0);
    const auto v1 = alias.impl()->storage->version();
    alias.copy_(from_vector({1, 2, 3, 4}, {2, 2}));
    REQUIRE(t.to_vector() == std::vector<float>{1, 2, 3, 4});
    REQUIRE(t.impl()->storage->version() > v1);
    t.zero_();
    REQUIRE(alias.to_vector() == std::vector<float>{0, 0, 0, 0});
}

TEST_CASE("live_tensor_count follows tensor lifetimes", "[core][tensor]") {
    const auto before = live_tensor_count();
    {
        Tensor a = zeros({3});
        Tensor b = a;  // a handle, not a new tensor
        REQUIRE(live_tensor_count() == before + 1);
        Tensor c = a.clone();
        REQUIRE(live_tensor_count() == before + 2);
    }
    REQUIRE(live_tensor_count() == before);
}

TEST_CASE("poisoned empty() fills new tensors with NaN", "[core][tensor]") {
    test::PoisonGuard poison;
    const Tensor t = empty({3});
    const Tensor z = zeros({2});  // factories that fill still overwrite the poison
    for (float v : t.to_vector()) REQUIRE(std::isnan(v));
    REQUIRE(z.to_vector() == std::vector<float>{0, 0});
}
