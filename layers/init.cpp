#include "layers/init.h"

#include "core/error.h"
#include "core/random.h"

#include <cmath>

namespace nabla::nn {

namespace {
float kaiming_std(const Tensor& t, float a, FanMode mode, Nonlinearity nl) {
    const auto [fan_in, fan_out] = fan_in_and_fan_out(t);
    const std::int64_t fan = mode == FanMode::fan_in ? fan_in : fan_out;
    NABLA_CHECK(fan > 0, "kaiming init", "zero fan for shape {}", t.shape());
    return calculate_gain(nl, a) / std::sqrt(static_cast<float>(fan));
}
float xavier_std(const Tensor& t, float gain) {
    const auto [fan_in, fan_out] = fan_in_and_fan_out(t);
    NABLA_CHECK(fan_in + fan_out > 0, "xavier init", "zero fan for shape {}", t.shape());
    return gain * std::sqrt(2.0f / static_cast<float>(fan_in + fan_out));
}
}  // namespace

std::pair<std::int64_t, std::int64_t> fan_in_and_fan_out(const Tensor& t) {
    NABLA_CHECK(t.defined() && t.dim() >= 2, "init",
                "fan in and fan out need a tensor of at least 2 dimensions, got {}", describe(t));
    std::int64_t receptive = 1;
    for (std::int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
    return {t.size(1) * receptive, t.size(0) * receptive};
}

float calculate_gain(Nonlinearity nonlinearity, float param) {
    switch (nonlinearity) {
        case Nonlinearity::linear:
        case Nonlinearity::sigmoid: return 1.0f;
        case Nonlinearity::tanh: return 5.0f / 3.0f;
        case Nonlinearity::relu: return std::sqrt(2.0f);
        case Nonlinearity::leaky_relu: return std::sqrt(2.0f / (1.0f + param * param));
    }
    return 1.0f;
}

// Initialisers write through data(): never recorded, so no NoGradGuard is needed.
void uniform_(Tensor& t, float low, float high) {
    Generator& g = global_generator();
    for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = uniform_float(g, low, high);
    t.bump_version();
}

void normal_(Tensor& t, float mean, float std) {
    Generator& g = global_generator();
    for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = normal_float(g, mean, std);
    t.bump_version();
}

void constant_(Tensor& t, float value) { t.fill_(value); }

void kaiming_uniform_(Tensor& t, float a, FanMode mode, Nonlinearity nonlinearity) {
    const float bound = std::sqrt(3.0f) * kaiming_std(t, a, mode, nonlinearity);
    uniform_(t, -bound, bound);
}

void kaiming_normal_(Tensor& t, float a, FanMode mode, Nonlinearity nonlinearity) {
    normal_(t, 0.0f, kaiming_std(t, a, mode, nonlinearity));
}

void xavier_uniform_(Tensor& t, float gain) {
    const float bound = std::sqrt(3.0f) * xavier_std(t, gain);
    uniform_(t, -bound, bound);
}

void xavier_normal_(Tensor& t, float gain) { normal_(t, 0.0f, xavier_std(t, gain)); }

}  // namespace nabla::nn
