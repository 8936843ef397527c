// gradcheck itself: it passes a correct hand-written op and fails a wrong one,
// naming the input and the element.
#include "autograd/tape.h"
#include "support/inputs.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;

namespace {
// y = x^2 with a backward of `slope * x` at every element, and `wrong_at` (if >= 0)
// given an extra +1: slope 2 and wrong_at -1 is the correct op.
Tensor square(const Tensor& x, float slope, std::int64_t wrong_at = -1) {
    Tensor y = empty(x.shape());
    for (std::int64_t i = 0; i < x.numel(); ++i) y.data()[i] = x.data()[i] * x.data()[i];
    if (needs_grad({&x}))
        record("square", {&x}, y, [sx = SavedTensor(x), slope, wrong_at](const Tensor& g, const GradMask&) {
            const Tensor& xv = sx.get();
            Tensor d = empty(xv.shape());
            for (std::int64_t i = 0; i < xv.numel(); ++i) d.data()[i] = g.data()[i] * slope * xv.data()[i];
            if (wrong_at >= 0) d.data()[wrong_at] += 1.0f;
            return std::vector<Tensor>{d};
        });
    return y;
}

// A backward that never writes element 0: gradcheck's NaN poisoning must catch it.
Tensor leaky_identity(const Tensor& x) {
    Tensor y = x.clone();
    if (needs_grad({&x}))
        record("leaky_identity", {&x}, y, [](const Tensor& g, const GradMask&) {
            Tensor d = empty(g.shape());
            for (std::int64_t i = 1; i < g.numel(); ++i) d.data()[i] = g.data()[i];
            return std::vector<Tensor>{d};
        });
    return y;
}
}  // namespace

TEST_CASE("gradcheck passes a correct custom op", "[autograd][gradcheck]") {
    manual_seed(300);
    const Tensor x = nabla::test::param({3, 4});
    const GradcheckResult r =
        gradcheck([](const std::vector<Tensor>& in) { return square(in[0], 2.0f); }, {x});
    INFO(r.report);
    REQUIRE(r.ok);
    REQUIRE(r.report.empty());
    REQUIRE(r.max_abs_error < 1e-3);
}

TEST_CASE("gradcheck fails a wrong backward and names the input", "[autograd][gradcheck]") {
    manual_seed(301);
    const Tensor a = nabla::test::param({3, 4}), x = nabla::test::param({3, 4});
    // Input 0 goes through a correct op, input 1 through a backward of 3x instead of 2x.
    const GradcheckResult r =
        gradcheck([](const std::vector<Tensor>& in) { return in[0] * 2.0f + square(in[1], 3.0f); }, {a, x});
    REQUIRE_FALSE(r.ok);
    REQUIRE_THAT(r.report, Catch::Contains("input 1 [3, 4] element"));
    REQUIRE_THAT(r.report, !Catch::Contains("input 0"));
    REQUIRE(r.max_abs_error > 1e-2);
}

TEST_CASE("gradcheck names the one element with a wrong gradient", "[autograd][gradcheck]") {
    manual_seed(302);
    const Tensor x = nabla::test::param({3, 4});
    const GradcheckResult r =
        gradcheck([](const std::vector<Tensor>& in) { return square(in[0], 2.0f, 5); }, {x});
    REQUIRE_FALSE(r.ok);
    REQUIRE_THAT(r.report, Catch::Contains("input 0 [3, 4] element 5:"));
    REQUIRE_THAT(r.report, !Catch::Contains("element 4:") && !Catch::Contains("element 6:"));
}

TEST_CASE("gradcheck catches a gradient entry the backward never wrote", "[autograd][gradcheck]") {
    manual_seed(303);
    const Tensor x = nabla::test::param({2, 2});
    const GradcheckResult r =
        gradcheck([](const std::vector<Tensor>& in) { return leaky_identity(in[0]); }, {x});
    REQUIRE_FALSE(r.ok);
    REQUIRE_THAT(r.report, Catch::Contains("element 0"));
}
