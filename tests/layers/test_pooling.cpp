// The average pooling layers: values by hand and gradchecks.
#include "tests/layers/layer_test_util.h"

#include <catch2/catch.hpp>

using namespace nabla;
using Catch::Matchers::Contains;

TEST_CASE("GlobalAvgPool2d averages each plane to [N, C, 1, 1] and passes gradcheck", "[layers][pooling]") {
    nn::GlobalAvgPool2d pool;
    // Plane means: (0 + ... + 5) / 6 = 2.5, (6 + ... + 11) / 6 = 8.5, ...
    const Tensor y = pool(arange(0, 24).reshape({2, 2, 2, 3}));
    REQUIRE(y.shape() == Shape{2, 2, 1, 1});
    CHECK(y.to_vector() == std::vector<float>{2.5f, 8.5f, 14.5f, 20.5f});
    manual_seed(41);
    const auto r = test::gradcheck_module(pool, randn({2, 3, 4, 5}));
    INFO(r.report);
    CHECK(r.ok);
    CHECK(pool.repr() == "GlobalAvgPool2d(mode=train)");
    CHECK_THROWS_WITH(pool(zeros({2, 3})),
                      Contains("GlobalAvgPool2d: expected a non-empty input [N, C, H, W]"));
}
