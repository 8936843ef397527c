// RMSprop against PyTorch 1.13's torch.optim.RMSprop. The golden values are printed
// by tests/goldens/rmsprop.py (run with /usr/bin/python3); each block below names the
// case it comes from.
#include "support/optimizer_trajectory.h"
#include "support/toy_model.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace nabla;
using namespace nabla::optim;

using test::kTrajectoryGrads;
using test::kTrajectoryStart;
using test::kTrajectoryTolerance;
using test::Trajectory;

namespace {
// The largest |nabla - PyTorch| over the three steps of RMSprop with these options.
float rmsprop_difference(const RMSpropOptions& options, const Trajectory& golden) {
    return test::max_trajectory_difference(
        [&](const std::vector<Tensor>& ps) { return std::make_unique<RMSprop>(ps, options); }, golden);
}
}  // namespace

TEST_CASE("RMSprop follows PyTorch's trajectory", "[optim][rmsprop]") {
    // plain: torch.optim.RMSprop([p], lr=0.01)
    const Trajectory golden = {
        {0.400000095f, -1.1500001f, 1.9000001f, -0.849999964f, 0.224999964f, 1.39999998f},
        {0.494915873f, -1.19490135f, 1.83579195f, -0.862464964f, 0.143488824f, 1.46019292f},
        {0.441252589f, -1.26190233f, 1.86078537f, -0.779203176f, 0.126198545f, 1.4176178f}};
    const float diff = rmsprop_difference({.lr = 0.01}, golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTrajectoryTolerance);
}

TEST_CASE("RMSprop with momentum follows PyTorch's trajectory", "[optim][rmsprop]") {
    // momentum: torch.optim.RMSprop([p], lr=0.01, momentum=0.9)
    const Trajectory golden = {
        {0.400000095f, -1.1500001f, 1.89999998f, -0.849999964f, 0.224999979f, 1.39999998f},
        {0.404915959f, -1.10490143f, 1.74579179f, -0.952464938f, 0.233488813f, 1.37019289f},
        {0.355676949f, -1.13131368f, 1.63199794f, -0.961421609f, 0.223838493f, 1.3007915f}};
    const float diff = rmsprop_difference({.lr = 0.01, .momentum = 0.9}, golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTrajectoryTolerance);
}

TEST_CASE("centered RMSprop follows PyTorch's trajectory", "[optim][rmsprop]") {
    // centered: torch.optim.RMSprop([p], lr=0.01, centered=True)
    const Trajectory golden = {
        {0.399496317f, -1.14949632f, 1.8994962f, -0.850503743f, 0.225503758f, 1.3994962f},
        {0.494604588f, -1.1944412f, 1.83464491f, -0.863046527f, 0.143969387f, 1.45970035f},
        {0.440941304f, -1.26148212f, 1.85979199f, -0.779764593f, 0.126664788f, 1.41704869f}};
    const float diff = rmsprop_difference({.lr = 0.01, .centered = true}, golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTrajectoryTolerance);
}

TEST_CASE("RMSprop with weight decay follows PyTorch's trajectory", "[optim][rmsprop]") {
    // weight decay: torch.optim.RMSprop([p], lr=0.01, alpha=0.9, eps=1e-06, weight_decay=0.1)
    const Trajectory golden = {
        {0.468377888f, -1.21837759f, 1.96837747f, -0.781622469f, 0.156622574f, 1.46837735f},
        {0.495943934f, -1.21614349f, 1.94669414f, -0.778746009f, 0.130063117f, 1.48077285f},
        {0.474712938f, -1.22430992f, 1.94190753f, -0.749730051f, 0.123812258f, 1.46301186f}};
    const float diff =
        rmsprop_difference({.lr = 0.01, .alpha = 0.9, .eps = 1e-6, .weight_decay = 0.1}, golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTrajectoryTolerance);
}

TEST_CASE("RMSprop with every option matches PyTorch on a tensor large enough for its vector kernels",
          "[optim][rmsprop]") {
    // large: torch.manual_seed(0); p0 = torch.randn(20); grads = [torch.randn(20) for _ in range(5)]
    // torch.optim.RMSprop([p], lr=0.01, alpha=0.95, eps=1e-6, weight_decay=0.01, momentum=0.8, centered=True)
    const std::vector<float> start = {
        -1.12583983f, -1.1523602f,   -0.250578582f, -0.433878809f, 0.598839462f, -1.55509508f, -0.34136039f,
        1.85300612f,  0.468096405f,  -0.157712445f, 1.44366014f,   0.266049415f, 1.38936615f,  1.58633423f,
        0.946298361f, -0.843676746f, 0.931826591f,  1.25900924f,   2.00498056f,  0.0537369028f};
    const Trajectory grads = {
        {0.439695835f,  0.112411186f,  0.64079237f,   0.441156268f, 0.205525666f,
         -0.450329751f, -0.573077083f, -0.55535841f,  0.594323039f, 1.5419426f,
         0.507334411f,  -0.591033161f, -1.32532597f,  0.188553572f, -0.0690726861f,
         -0.49492535f,  -1.49591494f,  -0.193837121f, 0.445512176f, 1.32527483f},
        {1.50912189f,  2.08195543f,    1.70671165f,   2.38036752f,  1.94146204f,
         0.791498065f, -0.0202518273f, -0.437169552f, 1.64586699f,  -1.36016893f,
         0.344565421f, 0.519867718f,   -0.365618795f, -1.3024404f,  0.0994034633f,
         0.441822022f, 0.246926397f,   0.0768870041f, 0.338005811f, 0.454401761f},
        {-0.802492917f, -1.29518616f,  -0.750181496f,  -1.3119657f,   -0.883375764f,
         -0.418913484f, -0.804826498f, 0.565609634f,   0.610364616f,  0.46688354f,
         1.95065713f,   -1.06309855f,  -0.0773257539f, 0.116398647f,  -0.593990803f,
         -1.24392819f,  -0.102092631f, -1.03354836f,   -0.312638819f, 0.245785475f},
        {-0.259641558f, 0.11833705f,   0.243959248f,  1.16460061f, 0.998456597f, -0.498714775f, 0.761110902f,
         0.618300855f,  -0.299384475f, -0.187778071f, 1.91589761f, 0.690195322f, -0.314034998f, -1.07870805f,
         0.240810513f,  -1.39622724f,  0.113552101f,  1.10472572f, -1.395172f,   0.475118726f},
        {1.08107257f,   0.131478056f,  1.5735383f,    0.781429946f,  -0.511073768f,
         -1.71372783f,  -0.510064781f, -0.474893123f, -0.633403778f, -1.46772027f,
         -0.878484964f, -2.0783968f,   -1.1004796f,   -0.720127523f, 0.0119305067f,
         0.33977291f,   -0.263452321f, 1.28046608f,   0.0193949454f, -0.880803883f}};
    const std::vector<float> expected = {
        -1.37190843f, -1.38868523f,  -0.531448364f, -0.714332163f, 0.329054356f, -1.38879097f, -0.119055778f,
        1.99052417f,  0.174244344f,  -0.213384107f, 1.05427957f,   0.420956582f, 1.63637602f,  1.62680793f,
        1.05881202f,  -0.625086188f, 1.07087338f,   1.37383091f,   1.88892293f,  -0.171366394f};
    Tensor p = from_vector(start, {20}).requires_grad_();
    RMSprop opt(
        {p},
        {.lr = 0.01, .alpha = 0.95, .eps = 1e-6, .weight_decay = 0.01, .momentum = 0.8, .centered = true});
    for (const auto& g : grads) {
        p.set_grad(from_vector(g, {20}));
        opt.step();
    }
    float worst = 0.0f;
    for (std::size_t i = 0; i < expected.size(); ++i)
        worst = std::max(worst, std::abs(p.data()[i] - expected[i]));
    INFO("largest difference to PyTorch: " << worst);
    CHECK(worst <= kTrajectoryTolerance);
}

TEST_CASE("RMSprop parameter groups keep their own options, as PyTorch's do", "[optim][rmsprop]") {
    // groups: torch.optim.RMSprop([{"params": [a]},
    //                              {"params": [b], "lr": 0.05, "momentum": 0.5, "centered": True}], lr=0.01)
    // a and b are the two rows of the start value; each row gets its row of the gradients.
    const Trajectory golden = {
        {0.400000095f, -1.1500001f, 1.9000001f, -1.25251877f, 0.627518833f, 0.997481167f},
        {0.494915873f, -1.19490135f, 1.83579195f, -1.56649196f, 0.47110635f, 1.04724228f},
        {0.441252589f, -1.26190233f, 1.86078537f, -1.30706882f, 0.306377083f, 0.858864307f}};
    Tensor a =
        from_vector({kTrajectoryStart[0], kTrajectoryStart[1], kTrajectoryStart[2]}, {3}).requires_grad_();
    Tensor b =
        from_vector({kTrajectoryStart[3], kTrajectoryStart[4], kTrajectoryStart[5]}, {3}).requires_grad_();
    RMSprop opt(std::vector<ParamGroup<RMSpropOptions>>{
        {{a}, {.lr = 0.01}}, {{b}, {.lr = 0.05, .momentum = 0.5, .centered = true}}});
    float worst = 0.0f;
    for (std::size_t step = 0; step < kTrajectoryGrads.size(); ++step) {
        const std::vector<float>& g = kTrajectoryGrads[step];
        a.set_grad(from_vector({g[0], g[1], g[2]}, {3}));
        b.set_grad(from_vector({g[3], g[4], g[5]}, {3}));
        opt.step();
        for (std::size_t i = 0; i < 3; ++i) {
            worst = std::max(worst, std::abs(a.data()[i] - golden[step][i]));
            worst = std::max(worst, std::abs(b.data()[i] - golden[step][3 + i]));
        }
    }
    INFO("largest difference to PyTorch: " << worst);
    CHECK(worst <= kTrajectoryTolerance);
    CHECK(opt.options(0).momentum == 0.0);
    CHECK(opt.options(1).centered);
}

TEST_CASE("RMSprop's state dict holds only the averages its options use", "[optim][rmsprop][state]") {
    Tensor p = ones({2}).requires_grad_();
    p.set_grad(ones({2}));
    RMSprop plain({p}, {.lr = 0.01});
    plain.step();
    std::vector<std::string> keys;
    for (const auto& entry : plain.state_dict()) keys.push_back(entry.first);
    CHECK(keys == std::vector<std::string>{"param_groups.0.lr", "state.0.square_avg", "step"});

    Tensor q = ones({2}).requires_grad_();
    q.set_grad(ones({2}));
    RMSprop full({q}, {.lr = 0.01, .momentum = 0.9, .centered = true});
    full.step();
    keys.clear();
    for (const auto& entry : full.state_dict()) keys.push_back(entry.first);
    CHECK(keys == std::vector<std::string>{"param_groups.0.lr", "state.0.grad_avg", "state.0.momentum_buffer",
                                           "state.0.square_avg", "step"});
    // A plain optimizer has no slot for a momentum buffer.
    CHECK_THROWS_WITH(plain.load_state_dict(full.state_dict()),
                      Catch::Contains("unexpected key 'state.0.momentum_buffer'"));
}

TEST_CASE("RMSprop rejects invalid options, naming them", "[optim][rmsprop]") {
    Tensor p = ones({2}).requires_grad_();
    CHECK_THROWS_WITH(RMSprop({p}, {.lr = -1.0}), "RMSprop: invalid learning rate: -1");
    CHECK_THROWS_WITH(RMSprop({p}, {.alpha = 1.5}), "RMSprop: invalid alpha: 1.5 (must be in [0, 1])");
    CHECK_THROWS_WITH(RMSprop({p}, {.eps = -1e-8}), "RMSprop: invalid eps: -1e-08 (must be >= 0)");
    CHECK_THROWS_WITH(RMSprop({p}, {.momentum = 1.0}), "RMSprop: invalid momentum: 1 (must be in [0, 1))");
    RMSprop opt({p});
    CHECK_THROWS_WITH(opt.set_lr(0, -0.5), "RMSprop: invalid learning rate: -0.5");
}

TEST_CASE("RMSprop trains the toy classifier", "[optim][rmsprop]") {
    const nabla::test::ToyData data = nabla::test::make_toy_data(5);
    nabla::test::ToyModel model(6);
    RMSprop opt(model.parameters(), {.lr = 0.01, .momentum = 0.5});
    const float first = nabla::test::train_step(model, data, opt);
    float last = first;
    for (int i = 0; i < 30; ++i) last = nabla::test::train_step(model, data, opt);
    INFO("loss " << first << " -> " << last);
    CHECK(last < 0.5f * first);
}
