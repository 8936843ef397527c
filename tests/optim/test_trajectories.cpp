// Three steps of each optimizer on fixed parameters and fixed gradients, against
// PyTorch 1.13. The golden values were produced with:
//
//   import torch
//   p0 = torch.tensor([[0.5, -1.25, 2.0], [-0.75, 0.125, 1.5]])
//   grads = [torch.tensor([[0.1, -0.2, 0.3], [0.4, -0.5, 0.6]]),
//            torch.tensor([[-0.3, 0.1, 0.25], [0.05, 0.7, -0.45]]),
//            torch.tensor([[0.2, 0.2, -0.1], [-0.6, 0.15, 0.35]])]
//   for cls, kw in [(torch.optim.SGD, dict(lr=0.1)), ...]:   # the cases below
//       p = p0.clone().requires_grad_()
//       opt = cls([p], **kw)
//       for g in grads:
//           p.grad = g.clone(); opt.step()
//           print(", ".join("%.9gf" % v for v in p.detach().flatten().tolist()))
#include "tests/optim/toy_model.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <memory>

using namespace nabla;
using namespace nabla::optim;

namespace {

using Trajectory = std::vector<std::vector<float>>;
using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(const std::vector<Tensor>&)>;

const std::vector<float> kStart = {0.5f, -1.25f, 2.0f, -0.75f, 0.125f, 1.5f};
const Trajectory kGrads = {{0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f},
                           {-0.3f, 0.1f, 0.25f, 0.05f, 0.7f, -0.45f},
                           {0.2f, 0.2f, -0.1f, -0.6f, 0.15f, 0.35f}};

// The largest |nabla - PyTorch| over the three steps.
float max_difference(const MakeOptimizer& make, const Trajectory& golden) {
    Tensor p = from_vector(kStart, {2, 3}).requires_grad_();
    std::unique_ptr<Optimizer> opt = make({p});
    float worst = 0.0f;
    for (std::size_t step = 0; step < kGrads.size(); ++step) {
        p.set_grad(from_vector(kGrads[step], {2, 3}));
        opt->step();
        for (std::size_t i = 0; i < kStart.size(); ++i)
            worst = std::max(worst, std::abs(p.data()[i] - golden[step][i]));
    }
    return worst;
}

// nabla follows PyTorch's operation order and fused multiply-adds and matches these
// exactly; two float32 ulps of slack (values near 1) allow for another libm's pow.
constexpr float kTolerance = 2.5e-7f;

}  // namespace

TEST_CASE("SGD follows PyTorch's trajectory", "[optim][sgd]") {
    // torch.optim.SGD([p], lr=0.1)
    const Trajectory golden = {
        {0.49000001f, -1.23000002f, 1.97000003f, -0.790000021f, 0.174999997f, 1.43999994f},
        {0.520000041f, -1.24000001f, 1.94500005f, -0.795000017f, 0.104999997f, 1.4849999f},
        {0.50000006f, -1.25999999f, 1.95500004f, -0.735000014f, 0.0899999961f, 1.44999993f}};
    const float diff =
        max_difference([](auto& ps) { return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.1}); }, golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTolerance);
}

TEST_CASE("SGD with momentum follows PyTorch's trajectory", "[optim][sgd]") {
    // torch.optim.SGD([p], lr=0.1, momentum=0.9)
    const Trajectory golden = {
        {0.49000001f, -1.23000002f, 1.97000003f, -0.790000021f, 0.174999997f, 1.43999994f},
        {0.511000037f, -1.222f, 1.91799998f, -0.83100003f, 0.149999991f, 1.43099988f},
        {0.509900033f, -1.23479998f, 1.88119996f, -0.807900012f, 0.11249999f, 1.38789988f}};
    const float diff = max_difference(
        [](auto& ps) { return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.1, .momentum = 0.9}); }, golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTolerance);
    // Momentum is the same optimizer with momentum 0.9 by default.
    CHECK(max_difference([](auto& ps) { return std::make_unique<Momentum>(ps, MomentumOptions{.lr = 0.1}); },
                         golden) <= kTolerance);
}

TEST_CASE("SGD with nesterov momentum follows PyTorch's trajectory", "[optim][sgd]") {
    // torch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    const Trajectory golden = {
        {0.481000006f, -1.21200001f, 1.94299996f, -0.825999975f, 0.219999999f, 1.38600004f},
        {0.529900014f, -1.2148f, 1.87119997f, -0.867899954f, 0.127499998f, 1.42290008f},
        {0.50891f, -1.24632001f, 1.84807992f, -0.787109971f, 0.0787499994f, 1.34911013f}};
    const float diff = max_difference(
        [](auto& ps) {
            return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.1, .momentum = 0.9, .nesterov = true});
        },
        golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTolerance);
}

TEST_CASE("SGD with dampening skips it on the first step like PyTorch", "[optim][sgd]") {
    // torch.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    const Trajectory golden = {
        {0.49000001f, -1.23000002f, 1.97000003f, -0.790000021f, 0.174999997f, 1.43999994f},
        {0.496000022f, -1.21700001f, 1.93050003f, -0.828500032f, 0.185000002f, 1.40849996f},
        {0.491400033f, -1.21529996f, 1.89995003f, -0.833150029f, 0.186499998f, 1.36264992f}};
    const float diff = max_difference(
        [](auto& ps) {
            return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.1, .momentum = 0.9, .dampening = 0.5});
        },
        golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTolerance);
}

TEST_CASE("SGD with momentum and weight decay follows PyTorch's trajectory", "[optim][sgd]") {
    // torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
    const Trajectory golden = {
        {0.489499986f, -1.22874999f, 1.96800005f, -0.789250016f, 0.174875006f, 1.43850005f},
        {0.509560466f, -1.21839619f, 1.91223204f, -0.828785777f, 0.149587631f, 1.42671156f},
        {0.50710535f, -1.22785938f, 1.87012863f, -0.803539157f, 0.111679405f, 1.37967515f}};
    const float diff = max_difference(
        [](auto& ps) {
            return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
        },
        golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTolerance);
}

TEST_CASE("Adam follows PyTorch's trajectory", "[optim][adam]") {
    // torch.optim.Adam([p], lr=0.01)
    const Trajectory golden = {
        {0.49000001f, -1.24000001f, 1.99000001f, -0.75999999f, 0.135000005f, 1.49000001f},
        {0.49494192f, -1.23733664f, 1.98008823f, -0.767572224f, 0.132837042f, 1.48910677f},
        {0.494754046f, -1.24006355f, 1.97425222f, -0.765530109f, 0.130091876f, 1.48577785f}};
    const float diff =
        max_difference([](auto& ps) { return std::make_unique<Adam>(ps, AdamOptions{.lr = 0.01}); }, golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTolerance);
}

TEST_CASE("Adam with weight decay follows PyTorch's trajectory", "[optim][adam]") {
    // torch.optim.Adam([p], lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)
    const Trajectory golden = {
        {0.490000069f, -1.24000001f, 1.99000001f, -0.75999999f, 0.134999976f, 1.49000001f},
        {0.49351576f, -1.23313606f, 1.98007143f, -0.765652835f, 0.132061407f, 1.48708785f},
        {0.490849197f, -1.2299304f, 1.97192621f, -0.761041939f, 0.128650308f, 1.48156238f}};
    const float diff = max_difference(
        [](auto& ps) {
            return std::make_unique<Adam>(
                ps, AdamOptions{.lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.1});
        },
        golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTolerance);
}

TEST_CASE("AdamW decouples weight decay like PyTorch", "[optim][adam]") {
    // torch.optim.AdamW([p], lr=0.01, weight_decay=0.1)
    const Trajectory golden = {
        {0.489500016f, -1.23874998f, 1.98800004f, -0.759249985f, 0.134875f, 1.4885f},
        {0.493952423f, -1.2348479f, 1.97610033f, -0.766062975f, 0.132577166f, 1.48611832f},
        {0.493270606f, -1.23633993f, 1.96828818f, -0.763254821f, 0.129699424f, 1.48130333f}};
    const float diff = max_difference(
        [](auto& ps) { return std::make_unique<AdamW>(ps, AdamWOptions{.lr = 0.01, .weight_decay = 0.1}); },
        golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTolerance);
}
