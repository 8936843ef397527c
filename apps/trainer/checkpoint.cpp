#include "apps/trainer/checkpoint.h"

#include <charconv>
#include <map>

namespace nabla::apps {

namespace {
constexpr const char* kModelPrefix = "model.";
constexpr const char* kOptimPrefix = "optimizer.";
constexpr const char* kWhere = "load_checkpoint";

// A metadata number, checked whole: a damaged file must give a clear error, not
// std::stoi's bare "stoi".
template <class T>
T parse_number(const std::string& path, const std::string& key, const std::string& text) {
    T value{};
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    NABLA_CHECK(ec == std::errc() && ptr == end, kWhere, "{}: metadata '{}' is not a number: '{}'", path, key,
                text);
    return value;
}
}  // namespace

void save_checkpoint(const std::string& path, const nn::Module& model, const optim::Optimizer& opt,
                     const TrainState& state, const CheckpointTag& tag) {
    NamedTensors all;
    for (auto& [name, t] : nn::state_dict(model)) all.emplace_back(kModelPrefix + name, t);
    for (auto& [name, t] : opt.state_dict()) all.emplace_back(kOptimPrefix + name, t);
    const std::map<std::string, std::string> meta{
        {"format", "nabla-checkpoint-1"},     {"model", tag.model},
        {"optimizer", tag.optimizer},         {"epoch", std::to_string(state.epoch)},
        {"step", std::to_string(state.step)}, {"best_accuracy", fmt::format("{:.17g}", state.best_accuracy)}};
    save_safetensors(path, all, meta);
}

TrainState load_checkpoint(const std::string& path, nn::Module& model, optim::Optimizer& opt,
                           const CheckpointTag& tag) {
    const SafetensorsFile file = load_safetensors(path);
    auto meta = [&](const char* key) {
        auto it = file.metadata.find(key);
        NABLA_CHECK(it != file.metadata.end(), kWhere, "{}: not a nabla checkpoint (no '{}' metadata)", path,
                    key);
        return it->second;
    };
    NABLA_CHECK(meta("model") == tag.model, kWhere, "{} holds a {} model, this run trains {}", path,
                meta("model"), tag.model);
    NABLA_CHECK(meta("optimizer") == tag.optimizer, kWhere,
                "{} was trained with the {} optimizer, this run uses {} (pass --optimizer {})", path,
                meta("optimizer"), tag.optimizer, meta("optimizer"));
    TrainState s;
    s.epoch = parse_number<int>(path, "epoch", meta("epoch"));
    s.step = parse_number<std::int64_t>(path, "step", meta("step"));
    s.best_accuracy = parse_number<double>(path, "best_accuracy", meta("best_accuracy"));
    NABLA_CHECK(s.epoch >= 0 && s.step >= 0, kWhere, "{}: negative epoch {} or step {} in the metadata", path,
                s.epoch, s.step);

    NamedTensors model_part;
    optim::StateDict optim_part;
    for (const auto& [name, t] : file.tensors) {
        if (name.starts_with(kModelPrefix))
            model_part.emplace_back(name.substr(std::string(kModelPrefix).size()), t);
        else if (name.starts_with(kOptimPrefix))
            optim_part.emplace(name.substr(std::string(kOptimPrefix).size()), t);
        else
            throw Error(kWhere, fmt::format("{}: unexpected tensor '{}' (neither model. nor optimizer.)",
                                            path, name));
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
    return s;
}

}  // namespace nabla::apps
