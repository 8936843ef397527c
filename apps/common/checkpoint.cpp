#include "apps/common/checkpoint.h"

#include <map>

namespace nabla::apps {

namespace {
constexpr const char* kModelPrefix = "model.";
constexpr const char* kOptimPrefix = "optimizer.";
}  // namespace

void save_checkpoint(const std::string& path, const nn::Module& model, const optim::Optimizer& opt,
                     const TrainState& state, const std::string& model_name) {
    NamedTensors all;
    for (auto& [name, t] : nn::state_dict(model)) all.emplace_back(kModelPrefix + name, t);
    for (auto& [name, t] : opt.state_dict()) all.emplace_back(kOptimPrefix + name, t);
    const std::map<std::string, std::string> meta{{"format", "nabla-checkpoint-1"},
                                                  {"model", model_name},
                                                  {"epoch", std::to_string(state.epoch)},
                                                  {"step", std::to_string(state.step)},
                                                  {"best_accuracy", fmt::format("{:.17g}", state.best_accuracy)}};
    save_safetensors(path, all, meta);
}

TrainState load_checkpoint(const std::string& path, nn::Module& model, optim::Optimizer& opt,
                           const std::string& model_name) {
    const SafetensorsFile file = load_safetensors(path);
    auto meta = [&](const char* key) {
        auto it = file.metadata.find(key);
        NABLA_CHECK(it != file.metadata.end(), "load_checkpoint", "{}: not a nabla checkpoint (no '{}' metadata)",
                    path, key);
        return it->second;
    };
    NABLA_CHECK(meta("model") == model_name, "load_checkpoint", "{} holds a {} model, this run trains {}", path,
                meta("model"), model_name);
    NamedTensors model_part;
    optim::StateDict optim_part;
    for (const auto& [name, t] : file.tensors) {
        if (name.starts_with(kModelPrefix))
            model_part.emplace_back(name.substr(std::string(kModelPrefix).size()), t);
        else if (name.starts_with(kOptimPrefix))
            optim_part.emplace(name.substr(std::string(kOptimPrefix).size()), t);
    }
    // Each load checks everything before writing; the model is put back if the
    // optimizer part does not fit, so a bad file changes nothing.
    NamedTensors backup;
    for (const auto& [name, t] : nn::state_dict(model)) backup.emplace_back(name, t.clone());
    nn::load_state_dict(model, model_part);
    try {
        opt.load_state_dict(optim_part);
    } catch (...) {
        nn::load_state_dict(model, backup);
        throw;
    }
    TrainState s;
    s.epoch = std::stoi(meta("epoch"));
    s.step = std::stoll(meta("step"));
    s.best_accuracy = std::stod(meta("best_accuracy"));
    return s;
}

}  // namespace nabla::apps
