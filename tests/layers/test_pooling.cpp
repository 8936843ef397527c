// The average pooling layers: values by hand and gradchecks.
#include "support/compare.h"
#include "support/gradcheck.h"
#include "support/inputs.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;
using Catch::Matchers::Contains;

TEST_CASE("GlobalAvgPool2d averages each plane to [N, C, 1, 1] and passes gradcheck", "[layers][pooling]") {
    nn::GlobalAvgPool2d pool;
    // Plane means: (0 + ... + 5) / 6 = 2.5, (6 + ... + 11) / 6 = 8.5, ...
    const Tensor y = pool(arange(0, 24).reshape({2, 2, 2, 3}));
    REQUIRE(y.shape() == Shape{2, 2, 1, 1});
    CHECK(y.to_vector() == std::vector<float>{2.5f, 8.5f, 14.5f, 20.5f});
    manual_seed(41);
    CHECK(test::module_passes_gradcheck(pool, randn({2, 3, 4, 5})));
    CHECK(pool.repr() == "GlobalAvgPool2d(mode=train)");
    CHECK_THROWS_WITH(pool(zeros({2, 3})),
                      Contains("GlobalAvgPool2d: expected a non-empty input [N, C, H, W]"));
}
