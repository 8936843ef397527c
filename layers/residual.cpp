#include "layers/residual.h"

#include "autograd/ops.h"
#include "core/error.h"
#include "layers/activations.h"
#include "layers/batchnorm.h"
#include "layers/conv2d.h"
#include "layers/sequential.h"

namespace nabla::nn {

BasicBlock::BasicBlock(const BasicBlockOptions& o) : options_(o) {
    NABLA_CHECK(o.in > 0 && o.out > 0 && o.stride > 0, "BasicBlock",
                "invalid options in={}, out={}, stride={}", o.in, o.out, o.stride);
    const bool bias = !o.batch_norm;  // BN cancels a bias before it (docs/batchnorm.md)
    conv1_ = register_module(
        "conv1", std::make_shared<Conv2d>(Conv2dOptions{
                     .in = o.in, .out = o.out, .kernel = 3, .stride = o.stride, .padding = 1, .bias = bias}));
    if (o.batch_norm)
        bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(BatchNormOptions{.num_features = o.out}));
    relu_ = register_module("relu", std::make_shared<ReLU>());
    conv2_ = register_module(
        "conv2", std::make_shared<Conv2d>(Conv2dOptions{
                     .in = o.out, .out = o.out, .kernel = 3, .stride = 1, .padding = 1, .bias = bias}));
    if (o.batch_norm)
        bn2_ = register_module("bn2", std::make_shared<BatchNorm2d>(BatchNormOptions{.num_features = o.out}));
    if (!o.plain && (o.stride != 1 || o.in != o.out)) {
        downsample_ = std::make_shared<Sequential>();
        downsample_->append(
            Conv2d({.in = o.in, .out = o.out, .kernel = 1, .stride = o.stride, .bias = bias}));
        if (o.batch_norm) downsample_->append(BatchNorm2d({.num_features = o.out}));
        register_module("downsample", downsample_);
    }
}

Tensor BasicBlock::forward(const Tensor& x) {
    Tensor out = (*conv1_)(x);
    if (bn1_) out = (*bn1_)(out);
    out = (*relu_)(out);
    out = (*conv2_)(out);
    if (bn2_) out = (*bn2_)(out);
    if (!options_.plain) out = out + (downsample_ ? (*downsample_)(x) : x);
    return (*relu_)(out);
}

std::string BasicBlock::extra_repr() const {
    return fmt::format("in={}, out={}, stride={}, batch_norm={}, plain={}", options_.in, options_.out,
                       options_.stride, options_.batch_norm, options_.plain);
}

}  // namespace nabla::nn
