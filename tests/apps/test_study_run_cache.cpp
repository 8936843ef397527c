// The study's run cache: a stored run reads back whole (NaN too), a missing or damaged
// file is a miss, and a fresh cache forgets every stored run.
#include "apps/study/run_cache.h"
#include "support/files.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

using namespace nabla::apps;
using namespace nabla::test;

namespace {
RunResult sample_run(const std::string& id) {
    RunResult r;
    r.id = id;
    r.seconds = 1.5;
    r.values["final_accuracy"] = 0.975;
    r.values["lost"] = std::nan("");
    r.curves["test_error"].add(0, 0.9);
    r.curves["test_error"].add(100, 0.05);
    return r;
}
}  // namespace

TEST_CASE("run cache: a stored run is found again, a rerun skips it, --fresh forgets it", "[apps][study]") {
    const TempDir dir;
    {
        const RunCache cache(dir.path(), false);
        REQUIRE_FALSE(cache.find("bias/mlp_bn/600steps/seed0"));
        cache.store(sample_run("bias/mlp_bn/600steps/seed0"));
    }
    const RunCache reopened(dir.path(), false);
    const auto r = reopened.find("bias/mlp_bn/600steps/seed0");
    REQUIRE(r);
    REQUIRE(r->value("final_accuracy") == 0.975);
    REQUIRE(std::isnan(r->value("lost")));
    REQUIRE(r->curves.at("test_error").x == std::vector<double>{0, 100});
    REQUIRE(r->curves.at("test_error").y == std::vector<double>{0.9, 0.05});
    REQUIRE_FALSE(reopened.find("bias/mlp_bn/600steps/seed1"));

    // A damaged file (a run killed by something other than this program) is a miss.
    std::ofstream(reopened.file("bias/mlp_bn/600steps/seed0")) << "{\"id\": \"bias";
    REQUIRE_FALSE(reopened.find("bias/mlp_bn/600steps/seed0"));

    reopened.store(sample_run("bias/mlp_bn/600steps/seed0"));
    const RunCache fresh(dir.path(), true);
    REQUIRE_FALSE(fresh.find("bias/mlp_bn/600steps/seed0"));
}
