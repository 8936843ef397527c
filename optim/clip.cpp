#include "optim/clip.h"

#include "core/error.h"

#include <cmath>

namespace nabla::optim {

double clip_grad_norm(const std::vector<Tensor>& parameters, double max_norm) {
    NABLA_CHECK(max_norm > 0.0, "clip_grad_norm", "max_norm must be positive, got {}", max_norm);
    double sq = 0.0;
    for (const Tensor& p : parameters) {
        const Tensor g = p.grad();
        if (!g.defined()) continue;
        for (std::int64_t i = 0; i < g.numel(); ++i) sq += double(g.data()[i]) * g.data()[i];
    }
    const double norm = std::sqrt(sq);
    if (!std::isfinite(norm) || norm <= max_norm) return norm;
    const auto scale = static_cast<float>(max_norm / (norm + 1e-6));
    for (const Tensor& p : parameters) {
        Tensor g = p.grad();
        if (!g.defined()) continue;
        for (std::int64_t i = 0; i < g.numel(); ++i) g.data()[i] *= scale;
        g.bump_version();
    }
    return norm;
}

}  // namespace nabla::optim
