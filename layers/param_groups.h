#pragma once
// Splitting a model's parameters for weight decay. Decay is L2 pressure on weights;
// applied to BatchNorm's gamma/beta (or any bias) it would only fight the scale the
// normalisation sets, so the usual choice, and nabla's, is to exempt them:
//   auto g = nn::weight_decay_groups(model);
//   // g.decay: Linear/Conv2d weights; g.no_decay: biases and every parameter of
//   // BatchNorm, LayerNorm and GroupNorm. Give each list its own optimizer group.
// Parameters of other (user-defined) modules are classified by name: "bias" is
// exempt, everything else decays.
#include "layers/module.h"

#include <vector>

namespace nabla::nn {

struct WeightDecayGroups {
    std::vector<Tensor> decay, no_decay;
    std::vector<std::string> decay_names, no_decay_names;  // dotted, for logging
};

WeightDecayGroups weight_decay_groups(const Module& model);

}  // namespace nabla::nn
