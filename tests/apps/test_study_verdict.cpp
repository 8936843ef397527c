// The study's verdict rule on made-up results, one case per outcome, and its refusal to
// judge without a noise estimate.
#include "apps/study/verdict.h"

#include <catch2/catch.hpp>

using namespace nabla::apps;

TEST_CASE("verdict: supported when the claimed arm leads by more than twice the pooled sd", "[apps][study]") {
    // Means 0.98 and 0.96, both sd 0.005: d = 0.02 > 2 * 0.005.
    const Verdict v = judge({0.975, 0.98, 0.985}, {0.955, 0.96, 0.965});
    REQUIRE(v.outcome == Outcome::supported);
    REQUIRE(v.difference == Approx(0.02));
    REQUIRE(v.pooled_sd == Approx(0.005));
    REQUIRE(std::string(outcome_name(v.outcome)) == "supported");
}

TEST_CASE("verdict: contradicted when the other arm leads by more than twice the pooled sd",
          "[apps][study]") {
    const Verdict v = judge({0.955, 0.96, 0.965}, {0.975, 0.98, 0.985});
    REQUIRE(v.outcome == Outcome::contradicted);
    REQUIRE(v.difference == Approx(-0.02));
    REQUIRE(std::string(outcome_name(v.outcome)) == "contradicted");
}

TEST_CASE("verdict: inconclusive within twice the pooled sd, and without a noise estimate", "[apps][study]") {
    // d = 0.01 < 2 * 0.01 (sd 0.01 in both arms).
    const Verdict v = judge({0.96, 0.97, 0.98}, {0.95, 0.96, 0.97});
    REQUIRE(v.outcome == Outcome::inconclusive);
    REQUIRE(v.difference == Approx(0.01));
    REQUIRE(v.pooled_sd == Approx(0.01));
    REQUIRE(std::string(outcome_name(v.outcome)) == "inconclusive");
    // One seed per arm shows no noise: never a verdict from it, however large the gap.
    REQUIRE(judge({0.99}, {0.10}).outcome == Outcome::inconclusive);
    REQUIRE(judge({}, {0.5, 0.6}).outcome == Outcome::inconclusive);
    // Identical arms with no spread: no difference, so nothing supported.
    REQUIRE(judge({0.5, 0.5}, {0.5, 0.5}).outcome == Outcome::inconclusive);
}
