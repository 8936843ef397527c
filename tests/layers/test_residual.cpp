// BasicBlock and the small ResNet: structure, values by hand, gradients, and a user's
// own residual block (a Module subclass written outside the library) that trains and
// survives a checkpoint.
#include "support/compare.h"
#include "support/files.h"
#include "support/gradcheck.h"
#include "support/inputs.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;
using Catch::Matchers::Contains;

namespace {

std::vector<std::string> names(const std::vector<std::pair<std::string, Tensor>>& named) {
    std::vector<std::string> out;
    for (const auto& [n, t] : named) out.push_back(n);
    return out;
}

void zero_all_parameters(nn::Module& m) {
    for (Tensor p : m.parameters()) p.zero_();
}

}  // namespace

TEST_CASE("BasicBlock drops the bias before BN and projects the shortcut when the shape changes",
          "[layers][residual]") {
    nn::BasicBlock same({.in = 4, .out = 4});
    CHECK_FALSE(same.has_projection());
    CHECK(names(same.named_parameters()) == std::vector<std::string>{"conv1.weight", "bn1.weight", "bn1.bias",
                                                                     "conv2.weight", "bn2.weight",
                                                                     "bn2.bias"});

    nn::BasicBlock down({.in = 4, .out = 8, .stride = 2});
    CHECK(down.has_projection());
    // conv1 4*8*9, bn1 2*8, conv2 8*8*9, bn2 2*8, downsample conv 4*8 and its BN 2*8.
    CHECK(down.parameter_count() == 288 + 16 + 576 + 16 + 32 + 16);
    CHECK(down(zeros({2, 4, 7, 7})).shape() == Shape{2, 8, 4, 4});

    nn::BasicBlock no_bn({.in = 4, .out = 8, .stride = 2, .batch_norm = false});
    CHECK(names(no_bn.named_parameters()) ==
          std::vector<std::string>{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                   "downsample.0.weight", "downsample.0.bias"});
    nn::BasicBlock plain({.in = 4, .out = 8, .stride = 2, .plain = true});
    CHECK_FALSE(plain.has_projection());
    CHECK(plain(zeros({2, 4, 7, 7})).shape() == Shape{2, 8, 4, 4});
    CHECK_THROWS_WITH(nn::BasicBlock({.in = 0, .out = 4}), Contains("BasicBlock: invalid options"));
}

TEST_CASE("BasicBlock adds the input back: with a zero branch it is relu(x), plain it is 0",
          "[layers][residual]") {
    const Tensor x = from_vector({-1.0f, 2.0f, 0.5f, -3.0f, 4.0f, -0.25f, 1.5f, 0.0f}, {1, 2, 2, 2});
    nn::BasicBlock block({.in = 2, .out = 2, .batch_norm = false});
    zero_all_parameters(block);
    CHECK(block(x).to_vector() == std::vector<float>{0.0f, 2.0f, 0.5f, 0.0f, 4.0f, 0.0f, 1.5f, 0.0f});
    nn::BasicBlock plain({.in = 2, .out = 2, .batch_norm = false, .plain = true});
    zero_all_parameters(plain);
    CHECK(plain(x).to_vector() == std::vector<float>(8, 0.0f));
    // A projection shortcut with a 1x1 weight of 2 on the diagonal doubles x (stride 1).
    nn::BasicBlock proj({.in = 2, .out = 3, .batch_norm = false});
    zero_all_parameters(proj);
    Tensor w = nn::state_dict(proj)[4].second;  // downsample.0.weight, [3, 2, 1, 1]
    REQUIRE(nn::state_dict(proj)[4].first == "downsample.0.weight");
    w.at({0, 0, 0, 0}) = 2.0f;
    w.at({1, 1, 0, 0}) = 2.0f;
    CHECK(proj(x).to_vector() ==
          std::vector<float>{0.0f, 4.0f, 1.0f, 0.0f, 8.0f, 0.0f, 3.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f});
}

TEST_CASE("BasicBlock passes gradcheck with and without BN and skip", "[layers][residual]") {
    struct Case {
        nn::BasicBlockOptions options;
        GradcheckOptions settings;
    };
    // With BN: BN's outputs are standard normal, so a ReLU right after one has values
    // within a finite-difference step of its kink. BN's beta at 2.5 and a positive input
    // keep both ReLUs (inside the branch and after the sum) clear of it; float32
    // rounding through two BNs in series is about 1e-3 of a difference, hence the
    // larger step and atol (a wiring mistake is off by O(1)). The BN-free case, with
    // inputs of both signs, exercises the ReLUs' masking at the default settings.
    const GradcheckOptions bn_settings{.step = 2e-3, .atol = 3e-3};
    for (const Case& c :
         {Case{{.in = 2, .out = 3, .stride = 2}, bn_settings}, Case{{.in = 3, .out = 3}, bn_settings},
          Case{{.in = 3, .out = 3, .plain = true}, bn_settings},
          Case{{.in = 2, .out = 3, .stride = 2, .batch_norm = false}, {}}}) {
        manual_seed(61);
        nn::BasicBlock block(c.options);
        for (auto& [name, p] : block.named_parameters())
            if (name.find("bn") == 0 && name.ends_with(".bias")) p.fill_(2.5f);
        const Tensor x =
            c.options.batch_norm ? rand({2, c.options.in, 6, 6}, 0.5f, 1.5f) : randn({2, c.options.in, 6, 6});
        INFO(block.repr());
        CHECK(test::module_passes_gradcheck(block, x, c.settings));
    }
}

TEST_CASE("ResNet has 6n + 2 layers in three stages and prints its structure", "[layers][resnet]") {
    manual_seed(62);
    nn::ResNet net({.depth = 8});
    CHECK(net.blocks_per_stage() == 1);
    // conv1 144 + bn1 32; layer1 4672; layer2 14528 (with its projection); layer3 57728; fc 650.
    CHECK(net.parameter_count() == 144 + 32 + 4672 + 14528 + 57728 + 650);
    CHECK(net(randn({3, 1, 28, 28})).shape() == Shape{3, 10});
    const std::string printed = net.repr();
    INFO(printed);
    CHECK_THAT(printed, Contains("ResNet(mode=train, depth=8, blocks_per_stage=1, widths=[16, 32, 64], "
                                 "batch_norm=true, plain=false\n"));
    CHECK_THAT(printed,
               Contains("  (layer2): Sequential(\n    (0): BasicBlock(in=16, out=32, stride=2, "
                        "batch_norm=true, plain=false\n      (conv1): Conv2d(in=16, out=32, kernel=3, "
                        "stride=2, padding=1, bias=false)\n"));
    CHECK_THAT(printed,
               Contains("      (downsample): Sequential(\n        (0): Conv2d(in=16, out=32, kernel=1, "
                        "stride=2, padding=0, bias=false)\n"));
    CHECK_THAT(printed,
               Contains("  (avgpool): GlobalAvgPool2d()\n  (flatten): Flatten(start_dim=1, end_dim=-1)\n"
                        "  (fc): Linear(in=64, out=10, bias=true)\n)"));
    nn::ResNet deeper({.depth = 20});
    CHECK(deeper.blocks_per_stage() == 3);
    CHECK(deeper.named_modules().size() > net.named_modules().size());
    CHECK_THROWS_WITH(nn::ResNet({.depth = 10}), Contains("ResNet: depth must be 6n + 2"));
    CHECK_THROWS_WITH(net(zeros({2, 3, 28, 28})), Contains("ResNet: expected input [N, 1, H, W]"));
    nn::ResNet plain({.depth = 8, .batch_norm = false, .plain = true});
    CHECK(plain.buffers().empty());
    CHECK_THAT(plain.repr(), !Contains("downsample") && Contains("batch_norm=false, plain=true"));
}

namespace {

// A user's residual block, written against the public API only: y = relu(x + f(x))
// with f = conv-BN-ReLU-conv-BN, registered children, nothing from the library's own
// BasicBlock.
class MyResidual : public nn::Module {
public:
    explicit MyResidual(std::int64_t channels) {
        conv_a_ = register_module(
            "conv_a", std::make_shared<nn::Conv2d>(nn::Conv2dOptions{
                          .in = channels, .out = channels, .kernel = 3, .padding = 1, .bias = false}));
        bn_a_ = register_module(
            "bn_a", std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions{.num_features = channels}));
        conv_b_ = register_module(
            "conv_b", std::make_shared<nn::Conv2d>(nn::Conv2dOptions{
                          .in = channels, .out = channels, .kernel = 3, .padding = 1, .bias = false}));
        bn_b_ = register_module(
            "bn_b", std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions{.num_features = channels}));
    }
    Tensor forward(const Tensor& x) override {
        const Tensor f = (*bn_b_)((*conv_b_)(relu((*bn_a_)((*conv_a_)(x)))));
        return relu(x + f);
    }
    std::string name() const override { return "MyResidual"; }

private:
    std::shared_ptr<nn::Conv2d> conv_a_, conv_b_;
    std::shared_ptr<nn::BatchNorm2d> bn_a_, bn_b_;
};

nn::Sequential my_net() {
    nn::Sequential net;
    net.append(nn::Conv2d({.in = 1, .out = 4, .kernel = 3, .padding = 1}));
    net.append(MyResidual(4));
    net.append(MyResidual(4));
    net.append(nn::GlobalAvgPool2d());
    net.append(nn::Flatten());
    net.append(nn::Linear({.in = 4, .out = 3}));
    return net;
}

}  // namespace

TEST_CASE("a user's own residual block trains and round-trips through a checkpoint", "[layers][residual]") {
    manual_seed(63);
    nn::Sequential net = my_net();
    CHECK_THAT(net.repr(), Contains("(1): MyResidual(\n    (conv_a): Conv2d(in=4, out=4, kernel=3"));
    // Three classes told apart by where the bright pixels are.
    Tensor x = randn({24, 1, 6, 6}, 0.0f, 0.3f);
    std::vector<float> labels;
    for (std::int64_t i = 0; i < 24; ++i) {
        const std::int64_t cls = i % 3;
        labels.push_back(float(cls));
        for (std::int64_t r = 2 * cls; r < 2 * cls + 2; ++r)
            for (std::int64_t c = 0; c < 6; ++c) x.data()[(i * 6 + r) * 6 + c] += 2.0f;
    }
    const Tensor y = from_vector(labels, {24});
    optim::Adam opt(net.parameters(), {.lr = 0.02});
    float first = 0.0f, last = 0.0f;
    for (int step = 0; step < 15; ++step) {
        opt.zero_grad();
        const Tensor loss = cross_entropy(net(x), y);
        loss.backward();
        opt.step();
        (step == 0 ? first : last) = loss.item();
    }
    INFO("loss " << first << " -> " << last);
    CHECK(last < 0.5f * first);

    const test::TempDir dir;
    const std::string path = dir.file("residual.safetensors");
    nn::save(net, path);
    manual_seed(64);
    nn::Sequential restored = my_net();
    nn::load(restored, path);
    // Parameters and the running statistics (2 blocks x 2 BNs x 3 buffers) came back.
    CHECK(restored.named_buffers().size() == 12);
    const NamedTensors saved = nn::state_dict(net), loaded = nn::state_dict(restored);
    REQUIRE(saved.size() == loaded.size());
    for (size_t i = 0; i < saved.size(); ++i) {
        INFO(saved[i].first);
        CHECK(loaded[i].first == saved[i].first);
        CHECK(loaded[i].second.to_vector() == saved[i].second.to_vector());
    }
    net.eval();
    restored.eval();
    CHECK(net(x).to_vector() == restored(x).to_vector());
}
