#include "layers/linear.h"

#include "autograd/ops.h"
#include "core/error.h"
#include "layers/init.h"

#include <cmath>

namespace nabla::nn {

Linear::Linear(const LinearOptions& options) : options_(options) {
    NABLA_CHECK(options.in > 0 && options.out > 0, "Linear", "in and out must be positive, got in={}, out={}",
                options.in, options.out);
    Tensor w = empty({options.out, options.in});
    kaiming_uniform_(w, std::sqrt(5.0f));
    weight_ = register_parameter("weight", w);
    if (options.bias) {
        const float bound = 1.0f / std::sqrt(static_cast<float>(options.in));
        Tensor b = empty({options.out});
        uniform_(b, -bound, bound);
        bias_ = register_parameter("bias", b);
    }
}

Tensor Linear::forward(const Tensor& x) {
    NABLA_CHECK(x.defined() && x.dim() == 2 && x.size(1) == options_.in, "Linear",
                "{}: expected input [N, {}], got {}", extra_repr(), options_.in, describe(x));
    return linear(x, weight_, bias_);
}

std::string Linear::extra_repr() const {
    return fmt::format("in={}, out={}, bias={}", options_.in, options_.out, options_.bias);
}

}  // namespace nabla::nn
