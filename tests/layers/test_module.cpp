#include <catch2/catch.hpp>
#include <nabla.h>

#include <sstream>

using namespace nabla;
using Catch::Matchers::Contains;

namespace {

nn::Sequential mlp_with_bn() {
    nn::Sequential net;
    net.append(nn::Linear({.in = 784, .out = 256, .bias = false}));
    net.append(nn::BatchNorm1d({.num_features = 256}));
    net.append(nn::ReLU());
    net.append(nn::Linear({.in = 256, .out = 256, .bias = false}));
    net.append(nn::BatchNorm1d({.num_features = 256}));
    net.append(nn::ReLU());
    net.append(nn::Linear({.in = 256, .out = 10}));
    return net;
}

// A user-defined module composing others by name.
class Net : public nn::Module {
public:
    Net() {
        features = register_module("features", std::make_shared<nn::Sequential>(nn::linear_bn(4, 3)));
        head = register_module("head", std::make_shared<nn::Linear>(nn::LinearOptions{.in = 3, .out = 2}));
        scale = register_parameter("scale", ones({1}));
    }
    Tensor forward(const Tensor& x) override { return head->forward(relu(features->forward(x))) * scale; }
    std::string name() const override { return "Net"; }

    std::shared_ptr<nn::Sequential> features;
    std::shared_ptr<nn::Linear> head;
    Tensor scale;
};

}  // namespace

TEST_CASE("parameter counts: the MLP 784-256-256-10 with BN drops the biases before BN", "[layers][module]") {
    nn::Sequential net = mlp_with_bn();
    CHECK(net.parameter_count() == 784 * 256 + 2 * 256 + 256 * 256 + 2 * 256 + 256 * 10 + 10);
    nn::Sequential plain;
    plain.append(nn::Linear({.in = 784, .out = 256}));
    plain.append(nn::ReLU());
    plain.append(nn::Linear({.in = 256, .out = 256}));
    plain.append(nn::ReLU());
    plain.append(nn::Linear({.in = 256, .out = 10}));
    CHECK(plain.parameter_count() == 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10);
}

TEST_CASE("named_parameters and named_buffers use dotted names in registration order", "[layers][module]") {
    Net net;
    std::vector<std::string> names;
    for (const auto& [n, p] : net.named_parameters()) names.push_back(n);
    CHECK(names == std::vector<std::string>{"scale", "features.0.weight", "features.1.weight",
                                            "features.1.bias", "head.weight", "head.bias"});
    std::vector<std::string> bufs;
    for (const auto& [n, b] : net.named_buffers()) bufs.push_back(n);
    CHECK(bufs == std::vector<std::string>{"features.1.running_mean", "features.1.running_var",
                                           "features.1.num_batches_tracked"});
    std::vector<std::string> mods;
    for (const auto& [n, m] : net.named_modules()) mods.push_back(n);
    CHECK(mods == std::vector<std::string>{"features", "features.0", "features.1", "head"});
    CHECK(mlp_with_bn().named_parameters()[1].first == "1.weight");
}

TEST_CASE("buffers are never parameters and parameters require grad", "[layers][module]") {
    nn::Sequential net = mlp_with_bn();
    const auto params = net.parameters();
    for (const Tensor& b : net.buffers()) {
        CHECK_FALSE(b.requires_grad());
        for (const Tensor& p : params) CHECK_FALSE(p.same(b));
    }
    for (const Tensor& p : params) CHECK(p.requires_grad());
    CHECK(net.buffers().size() == 6);
}

TEST_CASE("train() and eval() recurse into every descendant", "[layers][module]") {
    Net net;
    CHECK(net.is_training());
    net.eval();
    CHECK_FALSE(net.is_training());
    for (const auto& [n, m] : net.named_modules()) CHECK_FALSE(m->is_training());
    net.train();
    for (const auto& [n, m] : net.named_modules()) CHECK(m->is_training());
    net.train(false);
    CHECK_FALSE(net.features->at<nn::BatchNorm1d>(1).is_training());
}

TEST_CASE("modules move into a Sequential and keep their parameters", "[layers][module]") {
    manual_seed(11);
    nn::Linear lin({.in = 3, .out = 2});
    const Tensor w = lin.weight();
    nn::Sequential net;
    nn::Linear& stored = net.append(std::move(lin));
    CHECK(stored.weight().same(w));
    CHECK(net.parameters()[0].same(w));
    auto shared = std::make_shared<nn::ReLU>();
    CHECK(&net.append(shared) == shared.get());
    CHECK(net.size() == 2);
    CHECK(net[1].name() == "ReLU");
    CHECK_THROWS_WITH(net[2], Contains("index 2"));
    CHECK_THROWS_AS(net.at<nn::Conv2d>(0), Error);
    nn::Sequential moved = std::move(net);
    CHECK(moved.size() == 2);
    CHECK(moved.parameters()[0].same(w));
    nn::Sequential listed(nn::Linear({.in = 3, .out = 4}), nn::BatchNorm1d({.num_features = 4}), nn::ReLU());
    CHECK(listed.size() == 3);
    CHECK(listed[1].name() == "BatchNorm1d");
    nn::Sequential flat;
    flat.extend(nn::linear_bn(3, 4));
    flat.extend(std::move(moved));
    CHECK(flat.size() == 4);
    CHECK(flat.named_parameters().back().first == "2.bias");
}

TEST_CASE("zero_grad clears every parameter gradient", "[layers][module]") {
    manual_seed(12);
    Net net;
    sum(net(randn({5, 4}))).backward();
    for (const Tensor& p : net.parameters()) REQUIRE(p.grad().defined());
    net.zero_grad();
    for (const Tensor& p : net.parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("a tensor registered twice is one parameter", "[layers][module]") {
    struct Tied : nn::Module {
        Tied() {
            a = register_module("a", std::make_shared<nn::Linear>(nn::LinearOptions{.in = 2, .out = 2}));
            w = register_parameter("w", a->weight());
        }
        Tensor forward(const Tensor& x) override { return a->forward(x); }
        std::string name() const override { return "Tied"; }
        std::shared_ptr<nn::Linear> a;
        Tensor w;
    };
    Tied t;
    CHECK(t.parameters().size() == 2);
    CHECK(t.parameter_count() == 6);
}

TEST_CASE("registering a name twice or a dotted name is an error", "[layers][module]") {
    struct Dup : nn::Module {
        explicit Dup(const std::string& second) {
            register_parameter("w", ones({1}));
            register_buffer(second, ones({1}));
        }
        Tensor forward(const Tensor& x) override { return x; }
        std::string name() const override { return "Dup"; }
    };
    CHECK_THROWS_WITH(Dup("w"), Contains("Dup") && Contains("'w' is already registered"));
    CHECK_THROWS_WITH(Dup("a.b"), Contains("invalid state name 'a.b'"));
    CHECK_NOTHROW(Dup("v"));
}

TEST_CASE("printing a model shows every layer, its options and the mode", "[layers][module]") {
    nn::Sequential net;
    net.append(nn::Linear({.in = 784, .out = 256, .bias = false}));
    net.append(nn::BatchNorm1d({.num_features = 256}));
    net.append(nn::ReLU());
    CHECK(net.repr() ==
          "Sequential(mode=train\n"
          "  (0): Linear(in=784, out=256, bias=false)\n"
          "  (1): BatchNorm1d(256, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)\n"
          "  (2): ReLU()\n"
          ")");
    net.eval();
    CHECK_THAT(net.repr(), Contains("Sequential(mode=eval\n") && !Contains("mode=train"));
    net[1].train();  // a half-switched model shows it
    CHECK_THAT(net.repr(), Contains("(1): BatchNorm1d(256, eps=1e-05, momentum=0.1, affine=true, "
                                    "track_running_stats=true, mode=train)"));
    CHECK(fmt::format("{}", net) == net.repr());
    CHECK(fmt::format("{}", nn::Linear({.in = 2, .out = 3})) == "Linear(in=2, out=3, bias=true, mode=train)");
}

TEST_CASE("printing a nested model indents children", "[layers][module]") {
    Net net;
    net.eval();
    CHECK(fmt::format("{}", net) ==
          "Net(mode=eval\n"
          "  (features): Sequential(\n"
          "    (0): Linear(in=4, out=3, bias=false)\n"
          "    (1): BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)\n"
          "  )\n"
          "  (head): Linear(in=3, out=2, bias=true)\n"
          ")");
    CHECK(nn::Conv2d({.in = 1, .out = 8, .kernel = 3}).extra_repr() ==
          "in=1, out=8, kernel=3, stride=1, padding=0, bias=true");
    CHECK(nn::MaxPool2d().extra_repr() == "kernel=2, stride=2, padding=0");
    CHECK(nn::Dropout({.p = 0.25f}).extra_repr() == "p=0.25");
}

TEST_CASE("training steps through a BN model leave no tape entries or tensors behind", "[layers][module]") {
    manual_seed(13);
    nn::Sequential net(nn::Conv2d({.in = 1, .out = 4, .kernel = 3, .padding = 1, .bias = false}),
                       nn::BatchNorm2d({.num_features = 4}), nn::ReLU(), nn::MaxPool2d(), nn::Flatten(),
                       nn::Linear({.in = 4 * 2 * 2, .out = 3, .bias = false}),
                       nn::BatchNorm1d({.num_features = 3}), nn::Dropout({.p = 0.2f}),
                       nn::Linear({.in = 3, .out = 2}));
    const Tensor x = randn({6, 1, 4, 4});
    const Tensor labels = from_vector({0, 1, 1, 0, 1, 0}, {6});
    prune_tape();  // entries of graphs earlier tests built and never ran backward on
    const std::int64_t tape_before = tape_size();
    std::int64_t live = 0;
    for (int step = 0; step < 3; ++step) {
        net.zero_grad();
        nn::cross_entropy(net(x), labels).backward();
        CHECK(tape_size() == tape_before);
        if (step == 1) live = live_tensor_count();
        if (step == 2) CHECK(live_tensor_count() == live);
    }
    for (const Tensor& p : net.parameters()) CHECK(p.grad().defined());
}

TEST_CASE("std::ostream << module prints the tree, for a user's own module too", "[layers][module]") {
    nn::Sequential net(nn::Linear({.in = 4, .out = 3}), nn::ReLU());
    std::ostringstream out;
    out << net;
    CHECK(out.str() == net.repr());
    Net own;  // derives from nn::Module outside the library's namespace
    std::ostringstream own_out;
    own_out << own << '\n' << own.head->weight().shape();
    CHECK(own_out.str() == own.repr() + "\n[2, 3]");
}

TEST_CASE("an error inside a Sequential names the child's position and the layer", "[layers][module]") {
    nn::Sequential net(nn::Linear({.in = 8, .out = 6}), nn::ReLU(), nn::Linear({.in = 5, .out = 2}));
    // The layer's own check: its name comes once, after the position.
    CHECK_THROWS_WITH(
        net(randn({3, 8})),
        Catch::StartsWith("2: Linear: in=5, out=2, bias=true: expected input [N, 5], got [3, 6]"));
    // An op the layer called gains the layer's name too; nesting adds each level.
    nn::Sequential outer;
    outer.append(nn::Linear({.in = 8, .out = 6}));
    outer.append(Net());
    CHECK_THROWS_WITH(outer(randn({3, 8})), Catch::StartsWith("1: Net: ") && Contains("[3, 6]"));
    // A BatchNorm's label is its name with the size: not repeated.
    nn::Sequential bn(nn::Flatten(), nn::BatchNorm2d({.num_features = 4}));
    CHECK_THROWS_WITH(bn(randn({2, 4, 3, 3})),
                      Catch::StartsWith("1: BatchNorm2d(4): expected input [N, C, H, W]"));
}
