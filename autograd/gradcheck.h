#pragma once
// gradcheck: compares an op's analytic vector-Jacobian product with central
// differences. Public API: anyone adding an op or a layer checks it with this.
//
//   auto r = nabla::gradcheck([](const std::vector<Tensor>& in) { return relu(in[0]); }, {x});
//   REQUIRE(r.ok);  // r.report says which tensor, element, analytic and numeric values
//
// For out = f(inputs) and a fixed random G, the scalar L = sum(out * G) is differentiated
// both ways: backward(G) for the analytic gradient, (L(x+h) - L(x-h)) / 2h accumulated
// in double for the numeric one, for every input that requires grad (at most
// max_samples elements each). It also checks that a second backward doubles the
// gradient (exactly, up to rounding for an input used more than once), and runs with
// uninitialised memory poisoned with NaN so an unwritten gradient entry shows up.
#include "core/tensor.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace nabla {

struct GradcheckOptions {
    double step = 1e-3;  // h; inputs should be at least this far from kinks (ReLU at 0)
    double atol = 1e-3;
    double rtol = 1e-2;  // pass when |analytic - numeric| <= atol + rtol * |numeric|
    std::int64_t max_samples = 200;
    std::uint64_t seed = 1234;  // for G and the sampled elements
};

struct GradcheckResult {
    bool ok = true;
    std::string report;  // empty when ok
    double max_abs_error = 0.0;
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;
GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace nabla
