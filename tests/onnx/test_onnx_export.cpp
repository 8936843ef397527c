// ONNX export, checked by a consumer nabla did not write: OpenCV's DNN module loads each
// exported file and its outputs are compared with nabla's eval-mode outputs. Every file
// also passes onnx::checker (export_onnx runs it; the test runs it again on the file).
#include "apps/shared/models.h"
#include "examples/extension/softplus.h"
#include "support/compare.h"
#include "support/files.h"
#include "support/inputs.h"

#include <catch2/catch.hpp>
#include <nabla.h>
#include <onnx/checker.h>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

namespace nabla {
namespace {

using test::TempDir;

// Running statistics, gammas and betas away from the identity, as after training, so that
// a BatchNorm mapped wrongly shows in the outputs.
void randomize_norms(nn::Module& m) {
    for (auto& [name, t] : m.named_buffers()) {
        if (name.ends_with("running_mean")) test::fill_uniform(t, -0.5f, 0.5f);
        if (name.ends_with("running_var")) test::fill_uniform(t, 0.5f, 2.0f);
    }
    for (auto& [name, t] : m.named_parameters()) {
        const bool norm_weight = t.dim() == 1 && name.ends_with("weight");
        if (norm_weight) test::fill_uniform(t, 0.5f, 1.5f);
        if (t.dim() == 1 && name.ends_with("bias")) test::fill_uniform(t, -0.3f, 0.3f);
    }
}

cv::Mat to_blob(const Tensor& x) {
    std::vector<int> sizes(x.shape().dims().begin(), x.shape().dims().end());
    return cv::Mat(int(sizes.size()), sizes.data(), CV_32F, const_cast<float*>(x.data())).clone();
}

// The largest |OpenCV - nabla| over the model's outputs for input x.
float opencv_difference(const std::string& path, nn::Module& model, const Tensor& x) {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
    net.setInput(to_blob(x));
    const cv::Mat out = net.forward();
    Tensor y;
    {
        NoGradGuard no_grad;
        model.eval();
        y = model(x);
    }
    REQUIRE(std::size_t(out.total()) == std::size_t(y.numel()));
    float worst = 0.0f;
    const float* o = out.ptr<float>();
    for (std::int64_t i = 0; i < y.numel(); ++i) worst = std::max(worst, std::abs(o[i] - y.data()[i]));
    return worst;
}

// Exports `model` for inputs [B, rest...] and checks OpenCV at batch sizes 1 and 16.
void check_with_opencv(nn::Module& model, const std::vector<std::int64_t>& rest, const std::string& label,
                       const nn::OnnxExportOptions& options = {}) {
    TempDir dir;
    const std::string path = dir.file(label + ".onnx");
    std::vector<std::int64_t> dims{1};
    dims.insert(dims.end(), rest.begin(), rest.end());
    nn::export_onnx(model, Shape(dims), path, options);
    onnx::checker::check_model(path);
    for (std::int64_t batch : {1, 16}) {
        dims[0] = batch;
        const Tensor x = rand(Shape(dims), -1.0f, 1.0f);
        const float diff = opencv_difference(path, model, x);
        INFO(label << " batch " << batch << ": max |OpenCV - nabla| = " << diff << ", file "
                   << std::filesystem::file_size(path) << " bytes");
        CHECK(diff < 1e-4f);
    }
}

TEST_CASE("onnx: the MNIST models run in OpenCV DNN as in nabla", "[onnx]") {
    for (const auto kind : {apps::ModelKind::mlp, apps::ModelKind::cnn})
        for (const bool bn : {false, true}) {
            auto model = apps::make_model(kind, bn);
            randomize_norms(*model);
            const std::string name = apps::model_name(kind, bn);
            SECTION(name) {
                check_with_opencv(*model,
                                  apps::takes_images(kind) ? std::vector<std::int64_t>{1, 28, 28}
                                                           : std::vector<std::int64_t>{784},
                                  name);
            }
        }
}

// A user's residual block with no export code: relu(bn2(conv2(relu(bn1(conv1(x))))) + x).
class UserBlock : public nn::Module {
public:
    explicit UserBlock(std::int64_t c) {
        conv1_ = register_module("conv1", std::make_shared<nn::Conv2d>(nn::Conv2dOptions{
                                              .in = c, .out = c, .kernel = 3, .padding = 1}));
        bn1_ = register_module("bn1",
                               std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions{.num_features = c}));
        conv2_ = register_module("conv2", std::make_shared<nn::Conv2d>(nn::Conv2dOptions{
                                              .in = c, .out = c, .kernel = 3, .padding = 1}));
        bn2_ = register_module("bn2",
                               std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions{.num_features = c}));
    }
    Tensor forward(const Tensor& x) override {
        return relu((*bn2_)((*conv2_)(relu((*bn1_)((*conv1_)(x))))) + x);
    }
    std::string name() const override { return "UserBlock"; }

private:
    std::shared_ptr<nn::Conv2d> conv1_, conv2_;
    std::shared_ptr<nn::BatchNorm2d> bn1_, bn2_;
};

// A small network around the user's block: stem, the block twice, pool, classifier.
std::shared_ptr<nn::Sequential> user_residual_net() {
    auto net = std::make_shared<nn::Sequential>();
    net->append(nn::Conv2d({.in = 1, .out = 8, .kernel = 3, .stride = 2, .padding = 1}));
    net->append(nn::ReLU());
    auto blocks = std::make_shared<nn::Sequential>();
    blocks->append(UserBlock(8));
    blocks->append(UserBlock(8));
    net->append(blocks);
    net->append(nn::GlobalAvgPool2d());
    net->append(nn::Flatten());
    net->append(nn::Dropout({.p = 0.3f}));
    net->append(nn::Linear({.in = 8, .out = 10}));
    return net;
}

TEST_CASE("onnx: LayerNorm and GroupNorm, composed from basic ops, run in OpenCV DNN", "[onnx]") {
    SECTION("LayerNorm in an MLP") {
        nn::Sequential net(nn::Linear({.in = 20, .out = 32}), nn::LayerNorm({.normalized_shape = {32}}),
                           nn::ReLU(), nn::Linear({.in = 32, .out = 5}));
        randomize_norms(net);
        check_with_opencv(net, {20}, "layer_norm");
    }
    SECTION("GroupNorm in a CNN") {
        nn::Sequential net(nn::Conv2d({.in = 1, .out = 8, .kernel = 3, .padding = 1}),
                           nn::GroupNorm({.num_groups = 2, .num_channels = 8}), nn::ReLU(),
                           nn::MaxPool2d(nn::MaxPool2dOptions{.kernel = 2}), nn::Flatten(),
                           nn::Linear({.in = 8 * 4 * 4, .out = 5}));
        randomize_norms(net);
        check_with_opencv(net, {1, 8, 8}, "group_norm");
    }
}

TEST_CASE("onnx: residual networks run in OpenCV DNN, a user's block without export code", "[onnx]") {
    SECTION("layers' ResNet (BasicBlocks with projections)") {
        nn::ResNet net({.depth = 8, .widths = {4, 8, 8}});
        randomize_norms(net);
        check_with_opencv(net, {1, 12, 12}, "resnet8");
    }
    SECTION("a user-defined residual block") {
        auto net = user_residual_net();
        randomize_norms(*net);
        check_with_opencv(*net, {1, 12, 12}, "user_block");
    }
    SECTION("BatchNorm folded into the convolutions") {
        auto net = apps::make_model(apps::ModelKind::cnn, true);
        randomize_norms(*net);
        check_with_opencv(*net, {1, 28, 28}, "cnn_bn_folded", {.fold_batchnorm = true});
    }
    SECTION("a fixed batch dimension") {
        auto net = apps::make_model(apps::ModelKind::mlp, true);
        randomize_norms(*net);
        TempDir dir;
        nn::export_onnx(*net, {16, 784}, dir.file("fixed.onnx"), {.fixed_batch = true});
        const Tensor x = rand({16, 784}, -1.0f, 1.0f);
        CHECK(opencv_difference(dir.file("fixed.onnx"), *net, x) < 1e-4f);
    }
}

// An op nabla has but ONNX export does not map (argmax), in a nested module.
class MaxOverFeatures : public nn::Module {
public:
    Tensor forward(const Tensor& x) override { return x.argmax(1, /*keepdim=*/true); }
    std::string name() const override { return "MaxOverFeatures"; }
};

TEST_CASE("onnx: an op without a mapping names the module path and writes no file", "[onnx]") {
    TempDir dir;
    const std::string path = dir.file("model.onnx");
    SECTION("an op of the library") {
        auto inner = std::make_shared<nn::Sequential>();
        inner->append(nn::ReLU());
        inner->append(MaxOverFeatures());
        nn::Sequential net(nn::Linear({.in = 4, .out = 3}));
        net.append(inner);
        CHECK_THROWS_WITH(nn::export_onnx(net, {2, 4}, path), "1.1: op 'argmax' has no ONNX mapping");
    }
    SECTION("an op written outside the library (the extension example's softplus)") {
        struct Softplus : nn::Module {
            Tensor forward(const Tensor& x) override { return myext::softplus(x); }
            std::string name() const override { return "Softplus"; }
        };
        nn::Sequential net(nn::Linear({.in = 4, .out = 3}), Softplus(), nn::Linear({.in = 3, .out = 2}));
        CHECK_THROWS_WITH(nn::export_onnx(net, {2, 4}, path), "1: op 'softplus' has no ONNX mapping");
    }
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK(std::filesystem::is_empty(dir.path()));  // no temporary left either
}

TEST_CASE("onnx: exporting leaves the module's modes, parameters and the tape as they were", "[onnx]") {
    auto net = apps::make_model(apps::ModelKind::cnn, true);
    randomize_norms(*net);
    net->train();
    (*net)[3].eval();  // a half-switched model must stay half-switched
    std::vector<Tensor> before;
    for (const auto& [name, t] : net->named_parameters()) before.push_back(t.clone());
    for (const auto& [name, t] : net->named_buffers()) before.push_back(t.clone());
    const std::string repr = net->repr();
    const std::int64_t tape = tape_size();
    TempDir dir;
    nn::export_onnx(*net, {1, 1, 28, 28}, dir.file("cnn_bn.onnx"));
    CHECK(net->repr() == repr);
    CHECK(net->is_training());
    CHECK_FALSE((*net)[3].is_training());
    CHECK(tape_size() == tape);
    std::size_t k = 0;
    for (const auto& [name, t] : net->named_parameters()) {
        CHECK(test::max_abs_diff(t, before[k++]) == 0.0f);
        CHECK_FALSE(t.grad().defined());
    }
    for (const auto& [name, t] : net->named_buffers()) CHECK(test::max_abs_diff(t, before[k++]) == 0.0f);
}

}  // namespace
}  // namespace nabla
