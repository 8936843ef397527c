#pragma once
// The one random engine behind every seeded draw (initialisers, rand/randn, dropout).
// Same seed, same sequence of calls: bitwise identical results run to run.
#include <cstdint>
#include <random>

namespace nabla {

using Generator = std::mt19937_64;

void manual_seed(std::uint64_t seed);
Generator& global_generator();

// Draws used by the factories; uniform in [low, high), normal by Box-Muller so the
// values do not depend on the standard library's distribution implementation.
float uniform_float(Generator& g, float low, float high);
float normal_float(Generator& g, float mean, float std);

}  // namespace nabla
