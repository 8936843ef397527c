// BatchNorm1d/2d against numbers produced by PyTorch 1.13 (/usr/bin/python3):
//
//   import torch
//   torch.manual_seed(0)
//   def fmt(t): return "{" + ", ".join("%.9gf" % v for v in t.detach().flatten().tolist()) + "}"
//   def case(name, bn, shapes_train, shape_eval):
//       C = bn.num_features
//       with torch.no_grad():
//           bn.weight.copy_(torch.rand(C) + 0.5); bn.bias.copy_(torch.randn(C))
//       xs = [torch.randn(*s) * 2 + 1 for s in shapes_train]
//       bn.train()
//       for x in xs[:-1]: bn(x)
//       x = xs[-1].clone().requires_grad_(True)
//       y = bn(x); g = torch.randn_like(y); y.backward(g)
//       bn.eval(); xe = torch.randn(*shape_eval) * 2 + 1; ye = bn(xe)
//       # then printed with fmt(): gamma, beta, x0..x2, g, x_eval, y, x.grad,
//       # bn.weight.grad, bn.bias.grad, bn.running_mean, bn.running_var, ye
//   case("BatchNorm1d", torch.nn.BatchNorm1d(3), [(4, 3)] * 3, (2, 3))
//   case("BatchNorm2d", torch.nn.BatchNorm2d(3), [(2, 3, 2, 2)] * 3, (1, 3, 2, 2))
//
// Set NABLA_PRINT_GOLDEN_DIFFS=1 to print the largest relative difference per quantity.
#include "support/compare.h"
#include "support/verdict.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

using namespace nabla;

namespace {

struct Golden {
    std::vector<float> gamma, beta, x0, x1, x2, g, x_eval;
    std::vector<float> y_train, dx, dgamma, dbeta, running_mean, running_var, y_eval;
};

Tensor t(const std::vector<float>& v, const Shape& s) { return from_vector(v, s); }

// Three training steps (backward on the last), then eval on x_eval; every quantity must be
// within 1e-4 relative difference of PyTorch's, and the step count 3. The verdict names
// each quantity that is not.
test::Verdict matches_pytorch(nn::BatchNorm& bn, const Golden& e, const Shape& train_shape,
                              const Shape& eval_shape) {
    bn.weight().copy_(t(e.gamma, {3}));
    bn.bias().copy_(t(e.beta, {3}));
    bn.train();
    bn(t(e.x0, train_shape));
    bn(t(e.x1, train_shape));
    Tensor x = t(e.x2, train_shape).requires_grad_();
    Tensor y = bn(x);
    y.backward(t(e.g, train_shape));
    bn.eval();
    Tensor y_eval = bn(t(e.x_eval, eval_shape));

    const std::vector<std::pair<std::string, double>> diffs{
        {"train output", test::max_rel_diff(y, e.y_train)},
        {"eval output", test::max_rel_diff(y_eval, e.y_eval)},
        {"dx", test::max_rel_diff(x.grad(), e.dx)},
        {"dgamma", test::max_rel_diff(bn.weight().grad(), e.dgamma)},
        {"dbeta", test::max_rel_diff(bn.bias().grad(), e.dbeta)},
        {"running_mean", test::max_rel_diff(bn.running_mean(), e.running_mean)},
        {"running_var", test::max_rel_diff(bn.running_var(), e.running_var)},
    };
    const bool print = std::getenv("NABLA_PRINT_GOLDEN_DIFFS") != nullptr;
    std::string why;
    for (const auto& [what, d] : diffs) {
        if (print) fmt::print("{} {}: largest relative difference to PyTorch {:.3g}\n", bn.name(), what, d);
        if (!(d < 1e-4))
            why += fmt::format("{} {}: largest relative difference to PyTorch {:.3g}\n", bn.name(), what, d);
    }
    if (bn.num_batches_tracked().item() != 3.0f)
        why += fmt::format("num_batches_tracked is {}, not 3\n", bn.num_batches_tracked().item());
    return why.empty() ? test::Verdict::pass() : test::Verdict::fail(why);
}

}  // namespace

TEST_CASE("BatchNorm1d matches PyTorch in training, eval, gradients and running stats",
          "[layers][batchnorm]") {
    const Golden e{
        .gamma = {0.99625659f, 1.26822186f, 0.588477433f},
        .beta = {0.364338189f, 0.13439633f, 0.16421625f},
        .x0 = {1.61152196f, 1.41996181f, 2.81125212f, 2.20708609f, 2.62196374f, 0.909837008f, 2.7593894f,
               3.09641242f, 0.91099906f, -0.445768833f, 6.73268032f, -0.131017208f},
        .x1 = {1.32087398f, 0.949297607f, 3.14780045f, 5.52569151f, -0.83505857f, 0.549768567f, 5.69327641f,
               -1.21769691f, 4.25070572f, 3.46667242f, 0.633628964f, -1.6280508f},
        .x2 = {-2.3788867f, 3.50501394f, -0.109038234f, 1.60384452f, 3.25898623f, 4.43579054f, -0.701448202f,
               -0.69727838f, 0.630439878f, -1.38751435f, 0.553451896f, -1.54115319f},
        .g = {0.0193306413f, 0.88683778f, 0.0551714003f, 0.688037813f, 1.23262453f, 1.15800118f, 0.167276919f,
              -1.57734501f, 1.06888592f, -0.506486654f, -1.4560703f, 2.29251432f},
        .x_eval = {0.805752397f, 3.32856154f, -0.3855474f, -0.974100947f, 3.01139712f, 0.118237674f},
        .y_train = {-0.765622854f, 1.44892943f, -0.0921773314f, 1.94071555f, 1.2741096f, 1.11779869f,
                    0.374227166f, -1.53709233f, 0.104694948f, -0.0919672772f, -0.648361266f, -0.473451287f},
        .dx = {0.201151922f, -0.128967687f, -0.31123969f, 0.0554436296f, 0.239286184f, 0.0836157277f,
               0.0489322841f, 0.213252813f, -0.0248832982f, -0.305527806f, -0.323571384f, 0.252507299f},
        .dgamma = {1.30039918f, 5.00455046f, -0.739840269f},
        .dbeta = {0.368158698f, -0.913953066f, 4.57457256f},
        .running_mean = {0.412724048f, 0.435821295f, 0.318752706f},
        .running_var = {1.55407536f, 1.68063295f, 2.13060975f},
        .y_eval = {0.678430736f, 2.9642694f, -0.119728982f, -0.743956983f, 2.6539979f, 0.0833767205f},
    };
    nn::BatchNorm1d bn({.num_features = 3});
    CHECK(matches_pytorch(bn, e, {4, 3}, {2, 3}));
}

TEST_CASE("BatchNorm2d matches PyTorch in training, eval, gradients and running stats",
          "[layers][batchnorm]") {
    const Golden e{
        .gamma = {1.11858714f, 1.1962142f, 1.02995014f},
        .beta = {-0.451356471f, 0.56930697f, 0.178221419f},
        .x0 = {2.21609449f, -0.460039735f, -0.766751528f, 0.162173033f,  -0.609652996f, 2.13121939f,
               2.22072935f, 1.93376708f,   0.597872138f,  0.76414603f,   -0.658733726f, -1.81451321f,
               4.25369358f, 1.34454644f,   -2.22300482f,  0.0411044359f, 1.31478572f,   1.77072549f,
               2.1473093f,  2.99586248f,   2.08721876f,   1.15760875f,   2.72572017f,   0.961020708f},
        .x1 = {2.5222218f,   2.23660183f,  0.40123105f, 0.624443889f, 4.83179522f,   2.38039064f,
               -3.64340305f, -1.39282036f, 2.26553202f, -2.83375931f, -0.119260192f, 2.06694365f,
               1.81377316f,  1.78917313f,  1.34302187f, 2.7520895f,   5.07207394f,   1.26318097f,
               0.851210177f, -1.18444729f, 1.78405285f, 2.1890521f,   2.32454824f,   -1.41260481f},
        .x2 = {-0.756969929f, -3.15679359f,  3.34217787f,  1.1949923f,   2.92674923f,   2.68064642f,
               -1.50730944f,  2.97367215f,   0.437419534f, -1.65975022f, -0.307599187f, 4.43964815f,
               -0.921910763f, -0.275004983f, 1.14944994f,  2.11993885f,  3.30579019f,   -2.52219629f,
               -1.21407771f,  -2.43472242f,  4.06912231f,  0.993587554f, -2.20683789f,  1.11619699f},
        .g = {0.576860249f,   -0.16917409f, 1.1886791f,    -0.15750733f,  -0.0455385856f, 0.648473442f,
              0.523892164f,   0.218045399f, -0.732569635f, -0.487713397f, -0.233957678f,  0.707318306f,
              0.580048084f,   0.268302083f, -2.05893874f,  0.534020662f,  0.27356258f,    -0.614654303f,
              -0.0234944057f, 1.17166984f,  0.398687184f,  -0.198715523f, -1.15594077f,   -0.316669524f},
        .x_eval = {0.543174386f, 0.289687574f, -0.443836808f, 0.387828231f, 3.7535131f, 3.01091313f,
                   0.508931816f, 0.416457236f, 4.09816742f, -0.648576856f, -0.332884789f, -1.28626227f},
        .y_train = {-1.09441006f,  -2.50508547f,  1.31516981f,    0.053001333f,  1.72560716f,   1.60707045f,
                    -0.410080433f, 1.74820781f,   -0.0153375603f, -0.975418746f, -0.356406033f, 1.81687677f,
                    -1.19136631f,  -0.811099231f, 0.0262304135f,  0.596707642f,  1.90817428f,   -0.898905993f,
                    -0.26884383f,  -0.856773734f, 1.64725053f,    0.239275336f,  -1.22587466f,  0.295405746f},
        .dx = {0.322637022f,  -0.0291257575f, 0.534059286f,   -0.17962274f,  -0.150609583f,  0.183574036f,
               0.122021556f,  -0.0236356333f, -0.176488027f,  0.150442123f,  0.128095955f,   0.0726998746f,
               0.330475003f,  0.123831734f,   -1.29568422f,   0.193429574f,  0.00322721247f, -0.426740289f,
               -0.141521722f, 0.433684438f,   -0.0306341071f, 0.0109354202f, -0.099427402f,  -0.0556239262f},
        .dgamma = {0.93643415f, -0.015240035f, 4.02744389f},
        .dbeta = {0.762290001f, 2.15195608f, -2.01956081f},
        .running_mean = {0.231626391f, 0.285394758f, 0.215428948f},
        .running_var = {1.5316124f, 2.36472797f, 1.8339895f},
        .y_eval = {-0.169765353f, -0.398878157f, -1.06187046f, -0.310174197f, 3.26711679f, 2.6894567f,
                   0.743193924f, 0.671258986f, 3.13116241f, -0.478881329f, -0.238787889f, -0.963860512f},
    };
    nn::BatchNorm2d bn({.num_features = 3});
    CHECK(matches_pytorch(bn, e, {2, 3, 2, 2}, {1, 3, 2, 2}));
}
