#include "apps/study/experiments/experiments.h"

#include <algorithm>

namespace nabla::apps {

namespace {
using Factory = Experiment (*)(const StudyData&, const Scale&);
const std::vector<std::pair<std::string, Factory>>& registry() {
    static const std::vector<std::pair<std::string, Factory>> r{
        {"convergence", convergence_experiment}, {"learning_rate", learning_rate_experiment},
        {"saturation", saturation_experiment},   {"ioffe", ioffe_experiment},
        {"batch_size", batch_size_experiment},   {"bias", bias_experiment},
        {"placement", placement_experiment},     {"regularisation", regularisation_experiment},
        {"imbalance", imbalance_experiment},     {"depth", depth_experiment}};
    return r;
}
}  // namespace

const std::vector<std::string>& experiment_keys() {
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> k;
        for (const auto& [key, f] : registry()) k.push_back(key);
        return k;
    }();
    return keys;
}

std::vector<Experiment> make_experiments(const std::vector<std::string>& keys, const StudyData& d,
                                         const Scale& s) {
    for (const auto& k : keys)
        NABLA_CHECK(
            std::find(experiment_keys().begin(), experiment_keys().end(), k) != experiment_keys().end(),
            "bn_compare", "unknown experiment '{}' (expected one of {})", k,
            fmt::join(experiment_keys(), ", "));
    std::vector<Experiment> out;
    for (const auto& [key, make] : registry())
        if (std::find(keys.begin(), keys.end(), key) != keys.end()) out.push_back(make(d, s));
    return out;
}

}  // namespace nabla::apps
