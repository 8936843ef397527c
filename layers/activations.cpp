#include "layers/activations.h"

#include "autograd/ops.h"

namespace nabla::nn {

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }

Tensor Flatten::forward(const Tensor& x) { return x.flatten(options_.start_dim, options_.end_dim); }

std::string Flatten::extra_repr() const {
    return fmt::format("start_dim={}, end_dim={}", options_.start_dim, options_.end_dim);
}

}  // namespace nabla::nn
