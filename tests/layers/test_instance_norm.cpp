// InstanceNorm2d against PyTorch 1.13 (values printed by tests/goldens/instance_norm.py,
// run with /usr/bin/python3), its gradients, and its per-sample promise.
#include "support/compare.h"
#include "support/gradcheck.h"
#include "support/inputs.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;
using Catch::Matchers::Contains;

namespace {

// x1 = torch.randn(2, 3, 2, 3) * 2 + 1; x2 = torch.randn(2, 3, 2, 3) - 0.5 (manual_seed(0))
const std::vector<float> kX1 = {
    -1.25167966f, -1.3047204f,   0.498842835f, 0.132242382f, 2.6974206f,   2.38401842f,
    0.36797446f,  -3.23043871f,  1.64454985f,  -1.5266695f,  1.69996643f,  1.61626792f,
    1.23968303f,  3.47531581f,   3.23355436f,  0.505443692f, -1.70530748f, -2.39186239f,
    2.13330126f,  2.58701658f,   1.87939167f,  1.2248224f,   2.28158474f,  1.88231254f,
    0.568273485f, -0.485096335f, 2.12544274f,  1.5192548f,   2.04572105f,  5.60441065f,
    -1.93778777f, -2.17337751f,  3.40644741f,  1.16906941f,  -1.40027881f, 0.990428507f};
const std::vector<float> kX2 = {
    -0.730335474f, -0.891754389f, 0.0432947278f, -0.895157576f, -0.294474334f, -0.950329781f,
    -1.07307708f,  -1.05535841f,  -2.0311842f,   -1.73413503f,  1.31972528f,   -1.05152869f,
    -1.82532597f,  -0.311446428f, -0.569072664f, -0.99492538f,  -1.97817397f,  2.06723285f,
    -0.973119795f, -0.164449245f, -0.503303885f, -1.03444076f,  0.66868782f,   -0.105497241f,
    1.44146204f,   0.291498065f,  -0.520251811f, -0.937169552f, -2.03528714f,  -0.912679136f,
    0.466303289f,  1.12478316f,   -0.865618825f, -1.8024404f,   -0.400596529f, -0.0581779778f};

}  // namespace

TEST_CASE("InstanceNorm2d with PyTorch's defaults matches PyTorch", "[layers][instance_norm]") {
    nn::InstanceNorm2d norm({.num_features = 3});
    CHECK(norm.parameters().empty());
    CHECK(norm.buffers().empty());
    // InstanceNorm2d(3)(x1)
    const std::vector<float> want = {
        -1.13055837f,  -1.16429055f, -0.0172842238f, -0.250429928f,  1.38093817f,   1.18162477f,
        0.145576179f,  -1.77537882f, 0.827055454f,   -0.865849018f,  0.85663867f,   0.811957598f,
        0.230466828f,  1.23376536f,  1.12526858f,    -0.0990422368f, -1.09117448f,  -1.39928401f,
        0.320078343f,  1.39398837f,  -0.280906558f,  -1.83022273f,   0.671054184f,  -0.273993075f,
        -0.703182399f, -1.26092124f, 0.121308461f,   -0.199656278f,  0.0790973753f, 1.96335435f,
        -0.965611815f, -1.08245993f, 1.68502903f,    0.57533133f,    -0.699017406f, 0.486728787f};
    const float train_diff = test::max_abs_diff(norm(from_vector(kX1, {2, 3, 2, 3})), want);
    norm.eval();  // without running statistics eval uses the instance statistics too
    const float eval_diff = test::max_abs_diff(norm(from_vector(kX1, {2, 3, 2, 3})), want);
    INFO("largest difference to PyTorch: train " << train_diff << ", eval " << eval_diff);
    CHECK(train_diff < 1e-5f);
    CHECK(eval_diff < 1e-5f);
}

TEST_CASE("InstanceNorm2d running statistics and affine match PyTorch", "[layers][instance_norm]") {
    nn::InstanceNorm2d norm(
        {.num_features = 3, .momentum = 0.2f, .affine = true, .track_running_stats = true});
    norm.weight().copy_(from_vector({0.5f, 1.5f, -1.0f}, {3}));
    norm.bias().copy_(from_vector({0.25f, -0.5f, 1.0f}, {3}));
    const Tensor y1 = norm(from_vector(kX1, {2, 3, 2, 3}));
    norm(from_vector(kX2, {2, 3, 2, 3}));
    // train on x1, then x2, then eval on x1
    const std::vector<float> train_y1 = {
        -0.315279186f, -0.332145274f, 0.241357893f,  0.124785036f,  0.940469086f,  0.840812385f,
        -0.281635761f, -3.16306806f,  0.740583062f,  -1.79877353f,  0.784957945f,  0.717936277f,
        0.769533157f,  -0.233765408f, -0.125268653f, 1.09904218f,   2.0911746f,    2.39928389f,
        0.410039157f,  0.946994185f,  0.109546721f,  -0.665111363f, 0.585527062f,  0.113003455f,
        -1.55477357f,  -2.39138198f,  -0.318037301f, -0.799484432f, -0.381353945f, 2.44503164f,
        1.96561182f,   2.08245993f,   -0.685029089f, 0.42466867f,   1.69901741f,   0.513271213f};
    const std::vector<float> running_mean = {0.104746044f, 0.0210289918f, -0.0269732736f};
    const std::vector<float> running_var = {0.951069593f, 1.60065317f, 1.82703972f};
    const std::vector<float> eval_y = {
        -0.445436656f,  -0.472630531f, 0.452052593f, 0.264097303f, 1.57925892f, 1.41857827f,
        -0.0886585414f, -4.35496759f,  1.42486f,     -2.33496428f, 1.49056232f, 1.39132869f,
        0.062905021f,   -1.59105599f,  -1.41219664f, 0.606108367f, 2.24166155f, 2.74958706f,
        1.29003608f,    1.52265501f,   1.15985715f,  0.824260831f, 1.36606073f, 1.16135466f,
        0.148817658f,   -1.10006642f,  1.99501061f,  1.27630913f,  1.90049183f, 6.11970425f,
        2.41365457f,    2.58794808f,   -1.54010594f, 0.115146235f, 2.01599598f, 0.247307971f};
    norm.eval();
    const float diffs[] = {test::max_abs_diff(y1, train_y1),
                           test::max_abs_diff(norm.running_mean(), running_mean),
                           test::max_abs_diff(norm.running_var(), running_var),
                           test::max_abs_diff(norm(from_vector(kX1, {2, 3, 2, 3})), eval_y)};
    INFO("largest differences to PyTorch: train " << diffs[0] << ", running mean " << diffs[1]
                                                  << ", running var " << diffs[2] << ", eval " << diffs[3]);
    for (float d : diffs) CHECK(d < 1e-5f);
    std::vector<std::string> buffers;
    for (const auto& [name, t] : norm.named_buffers()) buffers.push_back(name);
    CHECK(buffers == std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"});
}

TEST_CASE("InstanceNorm2d passes gradcheck in training and in eval", "[layers][instance_norm]") {
    manual_seed(31);
    nn::InstanceNorm2d plain({.num_features = 3});
    CHECK(test::module_passes_gradcheck(plain, randn({2, 3, 3, 2}, 1.0f, 2.0f)));

    nn::InstanceNorm2d full({.num_features = 3, .affine = true, .track_running_stats = true});
    test::fill_uniform(full.weight(), 0.5f, 1.5f);
    test::fill_uniform(full.bias(), -1.0f, 1.0f);
    CHECK(test::module_passes_gradcheck(full, randn({2, 3, 3, 2}, 1.0f, 2.0f)));
    full.eval();
    CHECK(test::module_passes_gradcheck(full, randn({2, 3, 3, 2}, 1.0f, 2.0f)));
}

TEST_CASE("InstanceNorm2d normalises each sample on its own", "[layers][instance_norm]") {
    manual_seed(32);
    nn::InstanceNorm2d norm({.num_features = 4, .affine = true});
    test::fill_uniform(norm.weight(), 0.5f, 1.5f);
    const Tensor batch = randn({3, 4, 5, 5}, 2.0f, 3.0f);
    const Tensor together = norm(batch);
    // Sample 1 alone gives the same output as inside the batch.
    const Tensor alone =
        norm(from_vector(std::vector<float>(batch.data() + 100, batch.data() + 200), {1, 4, 5, 5}));
    CHECK(test::max_abs_diff(alone, std::vector<float>(together.data() + 100, together.data() + 200)) <
          1e-6f);
    // With affine it is GroupNorm with one channel per group.
    nn::GroupNorm group({.num_groups = 4, .num_channels = 4});
    group.weight().copy_(norm.weight());
    CHECK(test::max_abs_diff(together, group(batch)) < 1e-5f);
}

TEST_CASE("InstanceNorm2d names itself, its options and the offending input", "[layers][instance_norm]") {
    nn::InstanceNorm2d norm({.num_features = 3});
    CHECK(norm.extra_repr() == "3, eps=1e-05, momentum=0.1, affine=false, track_running_stats=false");
    CHECK_THROWS_WITH(norm(zeros({2, 4, 3, 3})),
                      Contains("InstanceNorm2d: expected input [N, 3, H, W], got [2, 4, 3, 3]"));
    CHECK_THROWS_WITH(norm(zeros({2, 3, 1, 1})), Contains("more than 1 spatial element"));
    CHECK_THROWS_AS(nn::InstanceNorm2d({.num_features = 0}), Error);
}
