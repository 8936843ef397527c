#include "layers/pooling.h"

#include "autograd/ops.h"

namespace nabla::nn {

Tensor MaxPool2d::forward(const Tensor& x) {
    return max_pool2d(x, options_.kernel, options_.stride, options_.padding);
}

std::string MaxPool2d::extra_repr() const {
    return fmt::format("kernel={}, stride={}, padding={}", options_.kernel,
                       options_.stride == 0 ? options_.kernel : options_.stride, options_.padding);
}

}  // namespace nabla::nn
