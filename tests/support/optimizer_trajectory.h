#pragma once
// Three optimizer steps from a fixed start with fixed gradients, the setting of the
// PyTorch trajectories the optimizer tests compare against (optim/test_trajectories.cpp,
// optim/test_rmsprop.cpp; the scripts that printed them use the same numbers).
#include <nabla.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <vector>

namespace nabla::test {

using Trajectory = std::vector<std::vector<float>>;
using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(const std::vector<Tensor>&)>;

// p0 = [[0.5, -1.25, 2.0], [-0.75, 0.125, 1.5]] and one gradient per step.
inline const std::vector<float> kTrajectoryStart = {0.5f, -1.25f, 2.0f, -0.75f, 0.125f, 1.5f};
inline const Trajectory kTrajectoryGrads = {{0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f},
                                            {-0.3f, 0.1f, 0.25f, 0.05f, 0.7f, -0.45f},
                                            {0.2f, 0.2f, -0.1f, -0.6f, 0.15f, 0.35f}};

// nabla follows PyTorch's operation order and fused multiply-adds: the trajectories agree
// exactly, or within one ulp where PyTorch's SIMD path rounds differently. Two float32
// ulps of slack (values near 1) also allow for another libm's pow.
constexpr float kTrajectoryTolerance = 2.5e-7f;

// The largest |nabla - golden| over the steps of the optimizer `make` builds.
inline float max_trajectory_difference(const MakeOptimizer& make, const Trajectory& golden) {
    Tensor p = from_vector(kTrajectoryStart, {2, 3}).requires_grad_();
    std::unique_ptr<optim::Optimizer> opt = make({p});
    float worst = 0.0f;
    for (std::size_t step = 0; step < kTrajectoryGrads.size(); ++step) {
        p.set_grad(from_vector(kTrajectoryGrads[step], {2, 3}));
        opt->step();
        for (std::size_t i = 0; i < kTrajectoryStart.size(); ++i)
            worst = std::max(worst, std::abs(p.data()[i] - golden[step][i]));
    }
    return worst;
}

}  // namespace nabla::test
