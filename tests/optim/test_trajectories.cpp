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
#include "support/optimizer_trajectory.h"
#include "support/toy_model.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <memory>

using namespace nabla;
using namespace nabla::optim;

using test::kTrajectoryTolerance;
using test::max_trajectory_difference;
using test::Trajectory;

TEST_CASE("SGD follows PyTorch's trajectory", "[optim][sgd]") {
    // torch.optim.SGD([p], lr=0.1)
    const Trajectory golden = {
        {0.49000001f, -1.23000002f, 1.97000003f, -0.790000021f, 0.174999997f, 1.43999994f},
        {0.520000041f, -1.24000001f, 1.94500005f, -0.795000017f, 0.104999997f, 1.4849999f},
        {0.50000006f, -1.25999999f, 1.95500004f, -0.735000014f, 0.0899999961f, 1.44999993f}};
    const float diff = max_trajectory_difference(
        [](auto& ps) { return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.1}); }, golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTrajectoryTolerance);
}

TEST_CASE("SGD with momentum follows PyTorch's trajectory", "[optim][sgd]") {
    // torch.optim.SGD([p], lr=0.1, momentum=0.9)
    const Trajectory golden = {
        {0.49000001f, -1.23000002f, 1.97000003f, -0.790000021f, 0.174999997f, 1.43999994f},
        {0.511000037f, -1.222f, 1.91799998f, -0.83100003f, 0.149999991f, 1.43099988f},
        {0.509900033f, -1.23479998f, 1.88119996f, -0.807900012f, 0.11249999f, 1.38789988f}};
    const float diff = max_trajectory_difference(
        [](auto& ps) { return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.1, .momentum = 0.9}); }, golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTrajectoryTolerance);
    // Momentum is the same optimizer under its classic name.
    CHECK(max_trajectory_difference(
              [](auto& ps) { return std::make_unique<Momentum>(ps, SGDOptions{.lr = 0.1, .momentum = 0.9}); },
              golden) <= kTrajectoryTolerance);
}

TEST_CASE("SGD with nesterov momentum follows PyTorch's trajectory", "[optim][sgd]") {
    // torch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    const Trajectory golden = {
        {0.481000006f, -1.21200001f, 1.94299996f, -0.825999975f, 0.219999999f, 1.38600004f},
        {0.529900014f, -1.2148f, 1.87119997f, -0.867899954f, 0.127499998f, 1.42290008f},
        {0.50891f, -1.24632001f, 1.84807992f, -0.787109971f, 0.0787499994f, 1.34911013f}};
    const float diff = max_trajectory_difference(
        [](auto& ps) {
            return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.1, .momentum = 0.9, .nesterov = true});
        },
        golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTrajectoryTolerance);
}

TEST_CASE("SGD with dampening skips it on the first step like PyTorch", "[optim][sgd]") {
    // torch.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    const Trajectory golden = {
        {0.49000001f, -1.23000002f, 1.97000003f, -0.790000021f, 0.174999997f, 1.43999994f},
        {0.496000022f, -1.21700001f, 1.93050003f, -0.828500032f, 0.185000002f, 1.40849996f},
        {0.491400033f, -1.21529996f, 1.89995003f, -0.833150029f, 0.186499998f, 1.36264992f}};
    const float diff = max_trajectory_difference(
        [](auto& ps) {
            return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.1, .momentum = 0.9, .dampening = 0.5});
        },
        golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTrajectoryTolerance);
}

TEST_CASE("SGD with momentum and weight decay follows PyTorch's trajectory", "[optim][sgd]") {
    // torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
    const Trajectory golden = {
        {0.489499986f, -1.22874999f, 1.96800005f, -0.789250016f, 0.174875006f, 1.43850005f},
        {0.509560466f, -1.21839619f, 1.91223204f, -0.828785777f, 0.149587631f, 1.42671156f},
        {0.50710535f, -1.22785938f, 1.87012863f, -0.803539157f, 0.111679405f, 1.37967515f}};
    const float diff = max_trajectory_difference(
        [](auto& ps) {
            return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
        },
        golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTrajectoryTolerance);
}

TEST_CASE("Adam follows PyTorch's trajectory", "[optim][adam]") {
    // torch.optim.Adam([p], lr=0.01)
    const Trajectory golden = {
        {0.49000001f, -1.24000001f, 1.99000001f, -0.75999999f, 0.135000005f, 1.49000001f},
        {0.49494192f, -1.23733664f, 1.98008823f, -0.767572224f, 0.132837042f, 1.48910677f},
        {0.494754046f, -1.24006355f, 1.97425222f, -0.765530109f, 0.130091876f, 1.48577785f}};
    const float diff = max_trajectory_difference(
        [](auto& ps) { return std::make_unique<Adam>(ps, AdamOptions{.lr = 0.01}); }, golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTrajectoryTolerance);
}

TEST_CASE("Adam with weight decay follows PyTorch's trajectory", "[optim][adam]") {
    // torch.optim.Adam([p], lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)
    const Trajectory golden = {
        {0.490000069f, -1.24000001f, 1.99000001f, -0.75999999f, 0.134999976f, 1.49000001f},
        {0.49351576f, -1.23313606f, 1.98007143f, -0.765652835f, 0.132061407f, 1.48708785f},
        {0.490849197f, -1.2299304f, 1.97192621f, -0.761041939f, 0.128650308f, 1.48156238f}};
    const float diff = max_trajectory_difference(
        [](auto& ps) {
            return std::make_unique<Adam>(
                ps, AdamOptions{.lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.1});
        },
        golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTrajectoryTolerance);
}

TEST_CASE("AdamW decouples weight decay like PyTorch", "[optim][adam]") {
    // torch.optim.AdamW([p], lr=0.01, weight_decay=0.1)
    const Trajectory golden = {
        {0.489500016f, -1.23874998f, 1.98800004f, -0.759249985f, 0.134875f, 1.4885f},
        {0.493952423f, -1.2348479f, 1.97610033f, -0.766062975f, 0.132577166f, 1.48611832f},
        {0.493270606f, -1.23633993f, 1.96828818f, -0.763254821f, 0.129699424f, 1.48130333f}};
    const float diff = max_trajectory_difference(
        [](auto& ps) { return std::make_unique<AdamW>(ps, AdamOptions{.lr = 0.01, .weight_decay = 0.1}); },
        golden);
    INFO("largest difference to PyTorch: " << diff);
    CHECK(diff <= kTrajectoryTolerance);
    // AdamW is Adam with the decoupled rule switched on: the flag alone gives the same path.
    CHECK(max_trajectory_difference(
              [](auto& ps) {
                  return std::make_unique<Adam>(
                      ps, AdamOptions{.lr = 0.01, .weight_decay = 0.1, .decoupled_weight_decay = true});
              },
              golden) <= kTrajectoryTolerance);
}

TEST_CASE("Adam and nesterov SGD match PyTorch on a tensor large enough for its vector kernels",
          "[optim][adam][sgd]") {
    // PyTorch runs its SIMD path on tensors of 16 floats or more; produced with:
    //   torch.manual_seed(0); p0 = torch.randn(20); grads = [torch.randn(20) for _ in range(3)]
    //   for cls, kw in [(torch.optim.Adam, dict(lr=0.01, weight_decay=0.1)),
    //                   (torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01))]:
    //       p = p0.clone().requires_grad_(); opt = cls([p], **kw)
    //       for g in grads: p.grad = g.clone(); opt.step()
    //       print(", ".join("%.9gf" % v for v in p.detach().tolist()))
    const std::vector<float> start = {
        -1.12583983f, -1.1523602f,   -0.250578582f, -0.433878809f, 0.598839462f, -1.55509508f, -0.34136039f,
        1.85300612f,  0.468096405f,  -0.157712445f, 1.44366014f,   0.266049415f, 1.38936615f,  1.58633423f,
        0.946298361f, -0.843676746f, 0.931826591f,  1.25900924f,   2.00498056f,  0.0537369028f};
    const Trajectory grads = {{0.439695835f,  0.112411186f,  0.64079237f,   0.441156268f, 0.205525666f,
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
                               -1.24392819f,  -0.102092631f, -1.03354836f,   -0.312638819f, 0.245785475f}};
    const std::vector<float> adam = {
        -1.14688182f, -1.15073824f,  -0.27391243f,  -0.454836816f, 0.577093422f, -1.5428822f,  -0.315535963f,
        1.87106943f,  0.439805061f,  -0.169058427f, 1.41513073f,   0.280589998f, 1.41315973f,  1.58398306f,
        0.931687057f, -0.825584471f, 0.950283885f,  1.26940429f,   1.9783392f,   0.0271927118f};
    const std::vector<float> sgd = {
        -1.52350605f, -1.49901628f,  -0.787642479f, -0.976599097f, 0.165965065f, -1.52281153f, 0.0162718706f,
        2.0393827f,   -0.300845951f, -0.405725509f, 0.794232249f,  0.527851999f, 1.94626069f,  1.83931386f,
        1.04833353f,  -0.550430119f, 1.38981473f,   1.49091971f,   1.80404103f,  -0.570771098f};

    auto run = [&](auto make, const std::vector<float>& expected) {
        Tensor p = from_vector(start, {20}).requires_grad_();
        std::unique_ptr<Optimizer> opt = make(std::vector<Tensor>{p});
        for (const auto& g : grads) {
            p.set_grad(from_vector(g, {20}));
            opt->step();
        }
        float worst = 0.0f;
        for (std::size_t i = 0; i < expected.size(); ++i)
            worst = std::max(worst, std::abs(p.data()[i] - expected[i]));
        return worst;
    };
    const float adam_diff =
        run([](auto ps) { return std::make_unique<Adam>(ps, AdamOptions{.lr = 0.01, .weight_decay = 0.1}); },
            adam);
    const float sgd_diff = run(
        [](auto ps) {
            return std::make_unique<SGD>(
                ps, SGDOptions{.lr = 0.1, .momentum = 0.9, .nesterov = true, .weight_decay = 0.01});
        },
        sgd);
    INFO("largest difference to PyTorch: Adam " << adam_diff << ", SGD " << sgd_diff);
    CHECK(adam_diff <= kTrajectoryTolerance);
    CHECK(sgd_diff <= kTrajectoryTolerance);
}
