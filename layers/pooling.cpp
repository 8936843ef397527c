#include "layers/pooling.h"

#include "autograd/ops.h"
#include "core/error.h"

namespace nabla::nn {

Tensor MaxPool2d::forward(const Tensor& x) {
    return max_pool2d(x, options_.kernel, options_.stride, options_.padding);
}

std::string MaxPool2d::extra_repr() const {
    return fmt::format("kernel={}, stride={}, padding={}", options_.kernel,
                       options_.stride == 0 ? options_.kernel : options_.stride, options_.padding);
}

Tensor AvgPool2d::forward(const Tensor& x) {
    return avg_pool2d(x, options_.kernel, options_.stride, options_.padding, options_.count_include_pad);
}

std::string AvgPool2d::extra_repr() const {
    return fmt::format("kernel={}, stride={}, padding={}, count_include_pad={}", options_.kernel,
                       options_.stride == 0 ? options_.kernel : options_.stride, options_.padding,
                       options_.count_include_pad);
}

Tensor GlobalAvgPool2d::forward(const Tensor& x) {
    NABLA_CHECK(x.defined() && x.dim() == 4 && x.size(2) * x.size(3) > 0, "GlobalAvgPool2d",
                "expected a non-empty input [N, C, H, W], got {}", describe(x));
    return mean(x, {2, 3}, /*keepdim=*/true);
}

}  // namespace nabla::nn
