#include "layers/resnet.h"

#include "core/error.h"
#include "layers/activations.h"
#include "layers/batchnorm.h"
#include "layers/conv2d.h"
#include "layers/init.h"
#include "layers/linear.h"
#include "layers/pooling.h"
#include "layers/residual.h"
#include "layers/sequential.h"

namespace nabla::nn {

ResNet::ResNet(const ResNetOptions& o) : options_(o) {
    NABLA_CHECK(o.depth >= 8 && (o.depth - 2) % 6 == 0, "ResNet",
                "depth must be 6n + 2 with n >= 1 (8, 14, 20, 32, ...), got {}", o.depth);
    NABLA_CHECK(
        o.in_channels > 0 && o.num_classes > 0 && o.widths[0] > 0 && o.widths[1] > 0 && o.widths[2] > 0,
        "ResNet", "invalid options in_channels={}, num_classes={}, widths=[{}, {}, {}]", o.in_channels,
        o.num_classes, o.widths[0], o.widths[1], o.widths[2]);
    auto add = [this](std::string name, std::shared_ptr<Module> m) {
        add_child(std::move(name), m);
        sequence_.push_back(std::move(m));
    };
    add("conv1",
        std::make_shared<Conv2d>(Conv2dOptions{
            .in = o.in_channels, .out = o.widths[0], .kernel = 3, .padding = 1, .bias = !o.batch_norm}));
    if (o.batch_norm)
        add("bn1", std::make_shared<BatchNorm2d>(BatchNormOptions{.num_features = o.widths[0]}));
    add("relu", std::make_shared<ReLU>());
    std::int64_t in = o.widths[0];
    for (int stage = 0; stage < 3; ++stage) {
        auto layer = std::make_shared<Sequential>();
        for (std::int64_t b = 0; b < blocks_per_stage(); ++b) {
            const std::int64_t stride = stage > 0 && b == 0 ? 2 : 1;
            layer->append(BasicBlock({.in = in,
                                      .out = o.widths[stage],
                                      .stride = stride,
                                      .batch_norm = o.batch_norm,
                                      .plain = o.plain}));
            in = o.widths[stage];
        }
        add(fmt::format("layer{}", stage + 1), layer);
    }
    add("avgpool", std::make_shared<GlobalAvgPool2d>());
    add("flatten", std::make_shared<Flatten>());
    add("fc", std::make_shared<Linear>(LinearOptions{.in = in, .out = o.num_classes}));

    // torchvision's ResNet init; Linear keeps PyTorch's default.
    for (const auto& [name, m] : named_modules())
        if (auto* conv = dynamic_cast<Conv2d*>(m.get())) {
            Tensor w = conv->weight();
            kaiming_normal_(w, 0.0f, FanMode::fan_out, Nonlinearity::relu);
        }
}

Tensor ResNet::forward(const Tensor& x) {
    NABLA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == options_.in_channels, "ResNet",
                "expected input [N, {}, H, W], got {}", options_.in_channels, describe(x));
    Tensor h = x;
    for (const auto& m : sequence_) h = (*m)(h);
    return h;
}

std::string ResNet::extra_repr() const {
    return fmt::format("depth={}, blocks_per_stage={}, widths=[{}, {}, {}], batch_norm={}, plain={}",
                       options_.depth, blocks_per_stage(), options_.widths[0], options_.widths[1],
                       options_.widths[2], options_.batch_norm, options_.plain);
}

}  // namespace nabla::nn
