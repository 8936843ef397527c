#pragma once
// gradcheck as a verdict, for REQUIRE(passes_gradcheck(...)): Catch prints gradcheck's
// report (which tensor, element, analytic and numeric values) when it fails.
#include "support/verdict.h"

#include <nabla.h>

#include <utility>
#include <vector>

namespace nabla::test {

inline Verdict passes_gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                                const GradcheckOptions& options = {}) {
    GradcheckResult r = gradcheck(f, inputs, options);
    return {r.ok, std::move(r.report)};
}

// Gradchecks module `m` at input x, for x and every parameter of m; a failure names the module.
inline Verdict module_passes_gradcheck(nn::Module& m, Tensor x, const GradcheckOptions& options = {}) {
    x.requires_grad_(true);
    std::vector<Tensor> inputs{x};
    for (const Tensor& p : m.parameters()) inputs.push_back(p);
    Verdict v = passes_gradcheck([&m](const std::vector<Tensor>& in) { return m(in[0]); }, inputs, options);
    if (!v) v.why = m.repr() + "\n" + v.why;
    return v;
}

}  // namespace nabla::test
