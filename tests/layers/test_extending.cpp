// Extending nabla from outside the library, as docs/extending.md describes: a layer
// composed of public ops, and an op with its own backward recorded on the tape.
#include <catch2/catch.hpp>
#include <nabla.h>

#include <cmath>

using namespace nabla;

namespace {

// An op with a hand-written backward: softplus(x) = log(1 + exp(x)), whose derivative
// is sigmoid(x). One tape entry, one gradient per input (tape.h's contract).
Tensor softplus(const Tensor& x) {
    Tensor y = empty(x.shape());
    for (std::int64_t i = 0; i < x.numel(); ++i) {
        const float v = x.data()[i];
        y.data()[i] = v > 20.0f ? v : std::log1p(std::exp(v));  // exp overflows for large v
    }
    if (needs_grad({&x}))
        record("softplus", {&x}, y, [sx = SavedTensor(x)](const Tensor& g, const GradMask&) {
            const Tensor& xs = sx.get();
            Tensor dx = empty(xs.shape());
            for (std::int64_t i = 0; i < xs.numel(); ++i)
                dx.data()[i] = g.data()[i] / (1.0f + std::exp(-xs.data()[i]));
            return std::vector<Tensor>{dx};
        });
    return y;
}

// A layer composed of public ops: y = softplus(x * scale + shift), one scale and shift
// per feature, registered as parameters so optimizers and printing see them.
class ScaledSoftplus : public nn::Module {
public:
    explicit ScaledSoftplus(std::int64_t features) : features_(features) {
        scale_ = register_parameter("scale", ones({features}));
        shift_ = register_parameter("shift", zeros({features}));
    }
    Tensor forward(const Tensor& x) override { return softplus(x * scale_ + shift_); }
    std::string name() const override { return "ScaledSoftplus"; }
    std::string extra_repr() const override { return fmt::format("{}", features_); }

private:
    std::int64_t features_;
    Tensor scale_, shift_;
};

}  // namespace

TEST_CASE("a custom op with its own backward passes gradcheck", "[layers][extending]") {
    manual_seed(30);
    Tensor x = randn({4, 5}, 0.0f, 3.0f).requires_grad_();
    const auto r = gradcheck([](const std::vector<Tensor>& in) { return softplus(in[0]); }, {x});
    INFO(r.report);
    REQUIRE(r.ok);
}

TEST_CASE("a custom layer passes gradcheck and trains inside a Sequential", "[layers][extending]") {
    manual_seed(31);
    nn::Sequential net;
    net.append(nn::Linear({.in = 3, .out = 8}));
    auto& custom = net.append(ScaledSoftplus(8));
    net.append(nn::Linear({.in = 8, .out = 1}));
    CHECK(net.parameter_count() == 3 * 8 + 8 + 2 * 8 + 8 + 1);
    CHECK(net.named_parameters()[2].first == "1.scale");
    CHECK(net.repr().find("(1): ScaledSoftplus(8)") != std::string::npos);

    Tensor probe = randn({4, 8});
    std::vector<Tensor> inputs{probe.requires_grad_()};
    for (const Tensor& p : custom.parameters()) inputs.push_back(p);
    const auto r = gradcheck([&](const std::vector<Tensor>& in) { return custom(in[0]); }, inputs);
    INFO(r.report);
    REQUIRE(r.ok);

    // Regress y = x0 - 2 x1 + 0.5 x2 with plain gradient descent.
    const Tensor x = randn({64, 3});
    const Tensor target = matmul(x, from_vector({1.0f, -2.0f, 0.5f}, {3, 1}));
    auto loss_now = [&] { return nn::mse_loss(net(x), target); };
    const float first = loss_now().item();
    for (int step = 0; step < 100; ++step) {
        net.zero_grad();
        loss_now().backward();
        NoGradGuard no_grad;
        for (Tensor p : net.parameters()) {
            const Tensor g = p.grad();
            for (std::int64_t i = 0; i < p.numel(); ++i) p.data()[i] -= 0.05f * g.data()[i];
            p.bump_version();
        }
    }
    const float last = loss_now().item();
    INFO("loss " << first << " -> " << last);
    CHECK(last < 0.2f * first);
}
