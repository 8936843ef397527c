#pragma once
// BasicBlock: the two-convolution residual block of He et al. 2016 (arXiv:1512.03385),
// in torchvision's layout and names:
//   out = relu(bn1(conv1(x)));  out = bn2(conv2(out));  out = relu(out + shortcut(x))
// conv1 is 3x3 with the block's stride, conv2 3x3 with stride 1, both padding 1. The
// shortcut is x itself, or "downsample" (a 1x1 conv with the stride, then BN) when the
// stride or the channel count changes, since x must match out's shape to be added.
// The block learns the residual f(x) = H(x) - x; at init f is small and the block is
// close to the identity, which is why deep stacks of them still train.
//  - batch_norm = false drops every BN and gives the convolutions their bias back;
//  - plain = true drops the shortcut (the same layers without the skip), the baseline
//    that degrades with depth.
#include "layers/module.h"

#include <cstdint>
#include <memory>

namespace nabla::nn {

class Conv2d;
class BatchNorm2d;
class ReLU;
class Sequential;

struct BasicBlockOptions {
    std::int64_t in = 0, out = 0, stride = 1;
    bool batch_norm = true;
    bool plain = false;
};

class BasicBlock : public Module {
public:
    explicit BasicBlock(const BasicBlockOptions& options);
    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "BasicBlock"; }
    std::string extra_repr() const override;

    const BasicBlockOptions& options() const { return options_; }
    // True when the shortcut is a projection (1x1 conv, then BN when batch_norm).
    bool has_projection() const { return downsample_ != nullptr; }

private:
    BasicBlockOptions options_;
    std::shared_ptr<Conv2d> conv1_, conv2_;
    std::shared_ptr<BatchNorm2d> bn1_, bn2_;  // null without batch_norm
    std::shared_ptr<ReLU> relu_;
    std::shared_ptr<Sequential> downsample_;  // null for an identity shortcut or a plain block
};

}  // namespace nabla::nn
