#include "core/random.h"

#include <cmath>
#include <numbers>

namespace nabla {

namespace {
constexpr std::uint64_t kDefaultSeed = 0x6e61626c61;  // "nabla"
Generator& engine() {
    static Generator g(kDefaultSeed);
    return g;
}
}  // namespace

void manual_seed(std::uint64_t seed) { engine().seed(seed); }
Generator& global_generator() { return engine(); }

float uniform_float(Generator& g, float low, float high) {
    // 24 random bits -> [0, 1) exactly representable in float.
    const float u = static_cast<float>(g() >> 40) * (1.0f / 16777216.0f);
    return low + (high - low) * u;
}

float normal_float(Generator& g, float mean, float std) {
    // Box-Muller; u1 in (0, 1] keeps log finite.
    const double u1 = (static_cast<double>(g() >> 11) + 1.0) * (1.0 / 9007199254740992.0);
    const double u2 = static_cast<double>(g() >> 11) * (1.0 / 9007199254740992.0);
    const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    return mean + std * static_cast<float>(z);
}

}  // namespace nabla
