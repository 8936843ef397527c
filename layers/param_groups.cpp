#include "layers/param_groups.h"

#include "layers/batchnorm.h"
#include "layers/group_norm.h"
#include "layers/layer_norm.h"

#include <unordered_set>

namespace nabla::nn {

namespace {
bool is_normalisation(const Module& m) {
    return dynamic_cast<const BatchNorm*>(&m) || dynamic_cast<const LayerNorm*>(&m) ||
           dynamic_cast<const GroupNorm*>(&m);
}
}  // namespace

WeightDecayGroups weight_decay_groups(const Module& model) {
    // Parameters owned directly by a normalisation layer, found by walking the tree.
    std::unordered_set<const TensorImpl*> exempt;
    auto mark = [&](const Module& m) {
        if (!is_normalisation(m)) return;
        for (const Tensor& p : m.parameters()) exempt.insert(p.impl());
    };
    mark(model);
    for (const auto& [name, m] : model.named_modules()) mark(*m);

    WeightDecayGroups g;
    for (const auto& [name, p] : model.named_parameters()) {
        const bool is_bias = name == "bias" || name.ends_with(".bias");
        if (is_bias || exempt.count(p.impl())) {
            g.no_decay.push_back(p);
            g.no_decay_names.push_back(name);
        } else {
            g.decay.push_back(p);
            g.decay_names.push_back(name);
        }
    }
    return g;
}

}  // namespace nabla::nn
