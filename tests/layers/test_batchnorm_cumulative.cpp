// BatchNorm with momentum unset: the running statistics are the cumulative average of
// every batch seen, as PyTorch 1.13 does for momentum=None. The golden values are
// printed by tests/goldens/batchnorm_cumulative.py (run with /usr/bin/python3).
#include "support/compare.h"
#include "support/gradcheck.h"
#include "support/inputs.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <optional>

using namespace nabla;
using Catch::Matchers::Contains;

TEST_CASE("BatchNorm without momentum averages every batch like PyTorch's momentum=None",
          "[layers][batchnorm][golden]") {
    // xs[i] = torch.randn(2, 3, 2, 2) * (i + 1) + i for i in range(4), torch.manual_seed(0)
    const std::vector<std::vector<float>> xs = {
        {-1.12583983f, -1.1523602f,   -0.250578582f, -0.433878809f, 0.848710358f,  0.692009151f,
         -0.31601277f, -2.11521935f,  0.468096405f,  -0.157712445f, 1.44366014f,   0.266049415f,
         0.166455343f, 0.87438184f,   -0.143473849f, -0.111609332f, 0.931826591f,  1.25900924f,
         2.00498056f,  0.0537369028f, 0.618056655f,  -0.412802219f, -0.841064811f, -2.31604195f},
        {0.568273485f,  -0.485096335f,   2.12544274f,   1.5192548f,  0.652078032f, -0.357492447f,
         2.87652159f,   1.97773957f,     -0.138496161f, 2.83994293f, 3.22163224f,  3.57974815f,
         -1.95634794f,  6.13446569f,     0.0537604094f, 1.67110157f, -2.25865197f, -0.0994873047f,
         0.0403314829f, 0.000636935234f, -1.13396072f,  3.22987914f, 0.718657136f, 2.61150718f},
        {1.71995533f,   4.06115055f,  -0.514945984f, 2.00267553f,  4.52568245f,  0.799897552f,
         5.11838579f,   3.07445931f,  2.21973825f,   5.33995533f,  2.84680176f,  3.30267692f,
         -0.407478809f, -1.88555861f, -0.250544548f, -1.93589711f, 2.61924887f,  0.999656439f,
         0.713510036f,  2.69875479f,  4.39066124f,   1.4454751f,   0.889558196f, -1.63084459f},
        {0.193905592f, 7.14674711f,   0.585319519f, -2.11506081f, 3.3718009f,  0.335601091f,
         5.43218899f,  0.0799205303f, 1.96143377f,  3.47334814f,  3.97583699f, 7.65840244f,
         4.1543045f,   4.54639101f,   2.19574428f,  2.52829218f,  3.76879621f, -0.0886275768f,
         -4.6013813f,  3.52270985f,   0.182824135f, 4.25888395f,  3.62957144f, 4.54145098f}};
    // after each batch: running_mean, running_var
    const std::vector<std::vector<float>> means = {{-0.272112936f, 0.419880092f, -0.116469853f},
                                                   {0.46587193f, 0.386919796f, 0.874821961f},
                                                   {0.426804453f, 1.11417961f, 1.36671543f},
                                                   {0.921217203f, 1.20504117f, 1.9525913f}};
    const std::vector<std::vector<float>> vars = {{0.439916909f, 1.54843545f, 1.27346325f},
                                                  {3.08025599f, 1.97775853f, 2.24197078f},
                                                  {3.49571085f, 2.25365949f, 3.06958437f},
                                                  {4.72249413f, 4.23751497f, 3.4526906f}};
    // eval on x0
    const std::vector<float> eval_y = {
        -0.941984475f, -0.954188228f,  -0.539219677f, -0.623568058f, -0.173100069f, -0.249223128f,
        -0.738904834f, -1.61293197f,   -0.798912525f, -1.13570487f,  -0.273892134f, -0.907648444f,
        -0.347315162f, -0.0215520151f, -0.489933819f, -0.475270867f, -0.132723466f, 0.0262168869f,
        0.388598382f,  -0.559286058f,  -0.718208253f, -1.27298689f,  -1.50346553f,  -2.29725575f};

    nn::BatchNorm2d bn({.num_features = 3, .momentum = std::nullopt});
    float worst_stat = 0.0f;
    for (size_t i = 0; i < xs.size(); ++i) {
        bn(from_vector(xs[i], {2, 3, 2, 2}));
        CHECK(bn.num_batches_tracked().item() == float(i + 1));
        worst_stat = std::max({worst_stat, test::max_abs_diff(bn.running_mean(), means[i]),
                               test::max_abs_diff(bn.running_var(), vars[i])});
    }
    bn.eval();
    const float eval_diff = test::max_abs_diff(bn(from_vector(xs[0], {2, 3, 2, 2})), eval_y);
    INFO("largest difference to PyTorch: running statistics " << worst_stat << ", eval output " << eval_diff);
    CHECK(worst_stat < 2e-6f);
    CHECK(eval_diff < 2e-6f);
    // Eval does not count or change anything.
    CHECK(bn.num_batches_tracked().item() == 4.0f);
    CHECK(test::max_abs_diff(bn.running_mean(), means[3]) < 2e-6f);
}

TEST_CASE("BatchNorm without momentum continues the average of a loaded counter",
          "[layers][batchnorm][golden]") {
    // BatchNorm1d(2, momentum=None) at running_mean [1, -2], running_var [0.5, 3], 10 batches,
    // one batch [[0, 1], [2, -1], [4, 0.5]]: the batch has weight 1/11.
    nn::BatchNorm1d bn({.num_features = 2, .momentum = std::nullopt});
    nn::load_state_dict(bn, {{"weight", ones({2})},
                             {"bias", zeros({2})},
                             {"running_mean", from_vector({1.0f, -2.0f}, {2})},
                             {"running_var", from_vector({0.5f, 3.0f}, {2})},
                             {"num_batches_tracked", scalar_tensor(10.0f)}});
    bn(from_vector({0.0f, 1.0f, 2.0f, -1.0f, 4.0f, 0.5f}, {3, 2}));
    CHECK(test::max_abs_diff(bn.running_mean(), {1.090909f, -1.80303025f}) < 1e-6f);
    CHECK(test::max_abs_diff(bn.running_var(), {0.818181813f, 2.82575727f}) < 1e-6f);
    CHECK(bn.num_batches_tracked().item() == 11.0f);
}

TEST_CASE("BatchNorm without momentum prints it as PyTorch does and keeps a set momentum's behaviour",
          "[layers][batchnorm]") {
    nn::BatchNorm1d cumulative({.num_features = 4, .momentum = std::nullopt});
    CHECK(cumulative.extra_repr() == "4, eps=1e-05, momentum=None, affine=true, track_running_stats=true");
    // With a set momentum the first batch moves the statistics only by that weight.
    nn::BatchNorm1d fixed({.num_features = 1, .momentum = 0.5f});
    fixed(from_vector({1.0f, 3.0f}, {2, 1}));
    CHECK(fixed.running_mean().item() == 1.0f);  // 0.5 * 0 + 0.5 * 2
    cumulative.eval();
    cumulative(zeros({1, 4}));  // eval: no statistics, no count
    CHECK(cumulative.num_batches_tracked().item() == 0.0f);
}
