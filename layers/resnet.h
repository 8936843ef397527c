#pragma once
// ResNet for small images (He et al. 2016, section 4.2, the CIFAR-10 networks), sized
// for 28x28 inputs such as MNIST:
//   conv1 3x3 (in_channels -> widths[0]) - bn1 - relu
//   layer1..layer3: (depth - 2) / 6 BasicBlocks each, at widths {16, 32, 64} by default;
//                   the first block of layer2 and layer3 halves the resolution (stride 2)
//   avgpool (global) - flatten - fc (widths[2] -> num_classes)
// depth counts the weighted layers on the main path, 6n + 2 (8, 14, 20, 32, ...), so
// depth 20 is the paper's ResNet-20. On 28x28 the stages run at 28, 14 and 7 pixels.
// Convolutions use torchvision's init (kaiming normal, fan_out, ReLU gain), BN starts
// at weight 1 and bias 0. batch_norm and plain are passed to every block (and the
// stem), so the same network can be built without BN or without skips.
#include "layers/module.h"

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace nabla::nn {

struct ResNetOptions {
    std::int64_t depth = 20;  // 6n + 2
    std::int64_t in_channels = 1, num_classes = 10;
    std::array<std::int64_t, 3> widths = {16, 32, 64};
    bool batch_norm = true;
    bool plain = false;
};

class ResNet : public Module {
public:
    explicit ResNet(const ResNetOptions& options);
    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "ResNet"; }
    std::string extra_repr() const override;

    const ResNetOptions& options() const { return options_; }
    std::int64_t blocks_per_stage() const { return (options_.depth - 2) / 6; }

private:
    ResNetOptions options_;
    std::vector<std::shared_ptr<Module>> sequence_;  // the children, in forward order
};

}  // namespace nabla::nn
