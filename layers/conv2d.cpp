#include "layers/conv2d.h"

#include "autograd/ops.h"
#include "core/error.h"
#include "layers/init.h"

#include <cmath>

namespace nabla::nn {

Conv2d::Conv2d(const Conv2dOptions& o) : options_(o) {
    NABLA_CHECK(o.in > 0 && o.out > 0 && o.kernel > 0 && o.stride > 0 && o.padding >= 0, "Conv2d",
                "invalid options in={}, out={}, kernel={}, stride={}, padding={}", o.in, o.out, o.kernel,
                o.stride, o.padding);
    Tensor w = empty({o.out, o.in, o.kernel, o.kernel});
    kaiming_uniform_(w, std::sqrt(5.0f));
    weight_ = register_parameter("weight", w);
    if (o.bias) {
        const float bound = 1.0f / std::sqrt(static_cast<float>(o.in * o.kernel * o.kernel));
        Tensor b = empty({o.out});
        uniform_(b, -bound, bound);
        bias_ = register_parameter("bias", b);
    }
}

Tensor Conv2d::forward(const Tensor& x) {
    NABLA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == options_.in, "Conv2d",
                "{}: expected input [N, {}, H, W], got {}", extra_repr(), options_.in, describe(x));
    return conv2d(x, weight_, bias_, options_.stride, options_.padding);
}

std::string Conv2d::extra_repr() const {
    return fmt::format("in={}, out={}, kernel={}, stride={}, padding={}, bias={}", options_.in, options_.out,
                       options_.kernel, options_.stride, options_.padding, options_.bias);
}

}  // namespace nabla::nn
