#pragma once
// Weight initialisers, in place, drawing from the global generator (manual_seed), so
// a seeded program builds the same model every run. Formulas follow torch.nn.init:
//   fan_in  = size(1) * receptive field, fan_out = size(0) * receptive field
//   kaiming: std = gain / sqrt(fan), uniform bound = sqrt(3) * std
//   xavier:  std = gain * sqrt(2 / (fan_in + fan_out)), uniform bound = sqrt(3) * std
#include "core/tensor.h"

#include <cstdint>
#include <utility>

namespace nabla::nn {

enum class FanMode { fan_in, fan_out };
enum class Nonlinearity { linear, sigmoid, tanh, relu, leaky_relu };

// {fan_in, fan_out} of a weight of at least 2 dimensions ([out, in, ...]).
std::pair<std::int64_t, std::int64_t> fan_in_and_fan_out(const Tensor& t);
// The recommended gain (torch.nn.init.calculate_gain); `param` is leaky_relu's slope.
float calculate_gain(Nonlinearity nonlinearity, float param = 0.01f);

void uniform_(Tensor& t, float low, float high);
void normal_(Tensor& t, float mean, float std);
void constant_(Tensor& t, float value);
void kaiming_uniform_(Tensor& t, float a = 0.0f, FanMode mode = FanMode::fan_in,
                      Nonlinearity nonlinearity = Nonlinearity::leaky_relu);
void kaiming_normal_(Tensor& t, float a = 0.0f, FanMode mode = FanMode::fan_in,
                     Nonlinearity nonlinearity = Nonlinearity::leaky_relu);
void xavier_uniform_(Tensor& t, float gain = 1.0f);
void xavier_normal_(Tensor& t, float gain = 1.0f);

}  // namespace nabla::nn
