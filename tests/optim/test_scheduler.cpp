// Learning-rate sequences against PyTorch 1.13, produced with:
//
//   def seq(make, n):
//       p = torch.zeros(1, requires_grad=True)
//       opt = torch.optim.SGD([p], lr=0.1); s = make(opt)
//       out = [opt.param_groups[0]["lr"]]
//       for _ in range(n):
//           opt.step(); s.step(); out.append(opt.param_groups[0]["lr"])
//       print(", ".join("%.17g" % v for v in out))
//   seq(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 9)
//   seq(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=0.001), 10)
//   seq(lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=4), 6)
//
// PyTorch updates the lr recursively, nabla from the closed form, so they agree to
// rounding (1e-15 relative), not bit for bit.
#include <catch2/catch.hpp>
#include <nabla.h>

#include <numeric>

using namespace nabla;
using namespace nabla::optim;

namespace {

// What opt.lr(0) and sched.last_epoch() were at each of n positions, stepping both after each.
struct Trace {
    std::vector<double> lrs;
    std::vector<std::int64_t> epochs;
};

Trace trace(Optimizer& opt, LRScheduler& sched, std::size_t n) {
    Trace t;
    for (std::size_t i = 0; i < n; ++i) {
        t.lrs.push_back(opt.lr(0));
        t.epochs.push_back(sched.last_epoch());
        opt.step();
        sched.step();
    }
    return t;
}

std::vector<std::int64_t> positions(std::size_t n) {
    std::vector<std::int64_t> v(n);
    std::iota(v.begin(), v.end(), std::int64_t{0});
    return v;
}

}  // namespace

TEST_CASE("StepLR matches PyTorch's lr sequence", "[optim][scheduler]") {
    Tensor p = zeros({1}).requires_grad_();
    SGD opt({p}, {.lr = 0.1});
    StepLR sched(opt, 3, 0.5);
    const std::vector<double> pytorch{0.10000000000000001,  0.10000000000000001,  0.10000000000000001,
                                      0.050000000000000003, 0.050000000000000003, 0.050000000000000003,
                                      0.025000000000000001, 0.025000000000000001, 0.025000000000000001,
                                      0.012500000000000001};
    const Trace t = trace(opt, sched, pytorch.size());
    CHECK(t.epochs == positions(pytorch.size()));
    CHECK_THAT(t.lrs, Catch::Matchers::Approx(pytorch).epsilon(1e-12));
}

TEST_CASE("CosineAnnealingLR matches PyTorch's lr sequence, past T_max too", "[optim][scheduler]") {
    Tensor p = zeros({1}).requires_grad_();
    SGD opt({p}, {.lr = 0.1});
    CosineAnnealingLR sched(opt, 5, 0.001);
    const std::vector<double> pytorch{0.10000000000000001,  0.090546341221559898, 0.06579634122155989,
                                      0.035203658778440096, 0.010453658778440105, 0.001,
                                      0.010453658778440102, 0.035203658778440117, 0.065796341221559931,
                                      0.090546341221559953, 0.10000000000000005};
    const Trace t = trace(opt, sched, pytorch.size());
    CHECK(t.epochs == positions(pytorch.size()));
    CHECK_THAT(t.lrs, Catch::Matchers::Approx(pytorch).epsilon(1e-12));
}

TEST_CASE("LinearWarmup matches PyTorch's LinearLR sequence", "[optim][scheduler]") {
    Tensor p = zeros({1}).requires_grad_();
    SGD opt({p}, {.lr = 0.1});
    LinearWarmup sched(opt, 4, 0.25);
    const std::vector<double> pytorch{0.025000000000000001, 0.043750000000000004, 0.062500000000000014,
                                      0.081250000000000017, 0.10000000000000002,  0.10000000000000002,
                                      0.10000000000000002};
    const Trace t = trace(opt, sched, pytorch.size());
    CHECK(t.epochs == positions(pytorch.size()));
    CHECK_THAT(t.lrs, Catch::Matchers::Approx(pytorch).epsilon(1e-12));
}

TEST_CASE("schedulers scale every group from its own base lr", "[optim][scheduler]") {
    Tensor a = zeros({1}).requires_grad_(), b = zeros({1}).requires_grad_();
    Adam opt(std::vector<ParamGroup<AdamOptions>>{{{a}, {.lr = 0.1}}, {{b}, {.lr = 0.01}}});
    StepLR sched(opt, 1, 0.5);
    sched.step();
    CHECK(sched.base_lrs() == std::vector<double>{0.1, 0.01});
    CHECK(sched.last_lrs() == std::vector<double>{0.05, 0.005});
}

TEST_CASE("scheduler state restores the position and the lrs exactly", "[optim][scheduler]") {
    Tensor p = zeros({1}).requires_grad_();
    SGD opt({p}, {.lr = 0.1});
    CosineAnnealingLR sched(opt, 7, 0.001);
    for (int i = 0; i < 3; ++i) sched.step();
    const StateDict saved = clone_state(sched.state_dict());

    SGD fresh_opt({p}, {.lr = 0.1});
    CosineAnnealingLR fresh(fresh_opt, 7, 0.001);
    fresh.load_state_dict(saved);
    CHECK(fresh.last_epoch() == 3);
    CHECK(fresh_opt.lr(0) == opt.lr(0));  // bit for bit
    for (int i = 0; i < 5; ++i) {
        sched.step();
        fresh.step();
        CHECK(fresh_opt.lr(0) == opt.lr(0));
    }

    StateDict bad = saved;
    bad.erase("base_lrs.0");
    bad.emplace("extra", zeros({1}));
    CHECK_THROWS_WITH(fresh.load_state_dict(bad), Catch::Contains("missing key 'base_lrs.0'") &&
                                                      Catch::Contains("unexpected key 'extra'") &&
                                                      Catch::Contains("2 problems"));
}

TEST_CASE("invalid scheduler settings throw", "[optim][scheduler]") {
    Tensor p = zeros({1}).requires_grad_();
    SGD opt({p}, {.lr = 0.1});
    CHECK_THROWS_WITH(StepLR(opt, 0), "StepLR: invalid step_size: 0 (must be positive)");
    CHECK_THROWS_WITH(CosineAnnealingLR(opt, -1), Catch::Contains("invalid T_max: -1"));
    CHECK_THROWS_WITH(LinearWarmup(opt, 5, 0.0), Catch::Contains("invalid start_factor: 0"));
}
