#include "apps/trainer/checkpoint.h"

#include <charconv>
#include <map>
#include <sstream>

namespace nabla::apps {

namespace {
constexpr const char* kModelPrefix = "model.";
constexpr const char* kOptimPrefix = "optimizer.";
constexpr const char* kWhere = "load_checkpoint";
constexpr const char* kFormat = "nabla-checkpoint-2";

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

// The flags that rebuild the model a checkpoint holds: "mnist_cnn --bn".
std::string trainer_command(const std::string& model) {
    const bool bn = model.ends_with("_bn");
    const std::string base = bn ? model.substr(0, model.size() - 3) : model;
    if (base != "mlp" && base != "cnn") return "";
    return fmt::format("mnist_{} {}", base, bn ? "--bn" : "--no-bn");
}

// "...; add --bn" when only BatchNorm differs, else the program and flags that fit the file.
std::string model_fix(const std::string& saved, const std::string& wanted) {
    const std::string command = trainer_command(saved);
    if (command.empty()) return " (it was not saved by mnist_mlp or mnist_cnn)";
    const bool saved_bn = saved.ends_with("_bn"), wanted_bn = wanted.ends_with("_bn");
    const std::string base = saved_bn ? saved.substr(0, saved.size() - 3) : saved;
    const std::string wanted_base = wanted_bn ? wanted.substr(0, wanted.size() - 3) : wanted;
    if (base == wanted_base)
        return fmt::format(": it was saved by {}; {}", command, saved_bn ? "add --bn" : "drop --bn");
    return fmt::format(": it was saved by {}; resume it with {}", command, command);
}

std::string generator_state() {
    std::ostringstream out;
    out << global_generator();
    return out.str();
}

}  // namespace

std::string describe_position(const TrainState& state) {
    if (state.in_epoch.started())
        return fmt::format("epoch {}, step {} of {}", state.epoch + 1, state.in_epoch.step,
                           state.in_epoch.steps);
    return fmt::format("epoch {} finished", state.epoch);
}

void save_checkpoint(const std::string& path, const nn::Module& model, const optim::Optimizer& opt,
                     const TrainState& state, const CheckpointTag& tag) {
    NamedTensors all;
    for (auto& [name, t] : nn::state_dict(model)) all.emplace_back(kModelPrefix + name, t);
    for (auto& [name, t] : opt.state_dict()) all.emplace_back(kOptimPrefix + name, t);
    const EpochProgress& e = state.in_epoch;
    std::map<std::string, std::string> meta{{"format", kFormat},
                                            {"model", tag.model},
                                            {"optimizer", tag.optimizer},
                                            {"epoch", std::to_string(state.epoch)},
                                            {"step", std::to_string(state.step)},
                                            {"best_accuracy", fmt::format("{:.17g}", state.best_accuracy)},
                                            {"epoch_step", std::to_string(e.step)},
                                            {"epoch_steps", std::to_string(e.steps)},
                                            {"epoch_loss_sum", fmt::format("{:.17g}", e.loss_sum)},
                                            {"epoch_correct", std::to_string(e.correct)},
                                            {"epoch_seen", std::to_string(e.seen)},
                                            {"epoch_skipped", std::to_string(e.skipped)},
                                            {"rng", generator_state()}};
    if (state.order) {
        meta["seed"] = std::to_string(state.order->seed);
        meta["batch_size"] = std::to_string(state.order->batch_size);
        meta["limit_train"] = std::to_string(state.order->limit_train);
        meta["world_size"] = std::to_string(state.order->world_size);
    }
    save_safetensors(path, all, meta);
}

TrainState load_checkpoint(const std::string& path, nn::Module& model, optim::Optimizer& opt,
                           const CheckpointTag& tag) {
    const SafetensorsFile file = load_safetensors(path);
    auto find = [&](const char* key) -> const std::string* {
        auto it = file.metadata.find(key);
        return it == file.metadata.end() ? nullptr : &it->second;
    };
    auto meta = [&](const char* key) {
        const std::string* value = find(key);
        NABLA_CHECK(value != nullptr, kWhere, "{}: not a nabla checkpoint (no '{}' metadata)", path, key);
        return *value;
    };
    // A key that files from before mid-epoch checkpoints lack: 0 when absent.
    auto number_or_zero = [&]<class T>(const char* key, T) {
        const std::string* value = find(key);
        return value ? parse_number<T>(path, key, *value) : T{};
    };
    if (const std::string* format = find("format"))
        NABLA_CHECK(*format == kFormat || *format == "nabla-checkpoint-1", kWhere,
                    "{}: unknown checkpoint format '{}' (this build reads nabla-checkpoint-1 and {})", path,
                    *format, kFormat);
    NABLA_CHECK(meta("model") == tag.model, kWhere, "{} holds a {} model, this run trains {}{}", path,
                meta("model"), tag.model, model_fix(meta("model"), tag.model));
    NABLA_CHECK(meta("optimizer") == tag.optimizer, kWhere,
                "{} was trained with the {} optimizer, this run uses {} (pass --optimizer {})", path,
                meta("optimizer"), tag.optimizer, meta("optimizer"));
    TrainState s;
    s.epoch = parse_number<int>(path, "epoch", meta("epoch"));
    s.step = parse_number<std::int64_t>(path, "step", meta("step"));
    s.best_accuracy = parse_number<double>(path, "best_accuracy", meta("best_accuracy"));
    NABLA_CHECK(s.epoch >= 0 && s.step >= 0, kWhere, "{}: negative epoch {} or step {} in the metadata", path,
                s.epoch, s.step);
    EpochProgress& e = s.in_epoch;
    e.step = number_or_zero("epoch_step", std::int64_t{});
    e.steps = number_or_zero("epoch_steps", std::int64_t{});
    e.loss_sum = number_or_zero("epoch_loss_sum", double{});
    e.correct = number_or_zero("epoch_correct", std::int64_t{});
    e.seen = number_or_zero("epoch_seen", std::int64_t{});
    e.skipped = number_or_zero("epoch_skipped", std::int64_t{});
    NABLA_CHECK(e.step >= 0 && e.step <= e.steps && e.step <= s.step && e.seen >= 0 && e.correct >= 0 &&
                    e.correct <= e.seen && e.skipped >= 0 && e.skipped <= e.step,
                kWhere, "{}: inconsistent epoch position (step {} of {}, {} of {} correct, {} skipped)", path,
                e.step, e.steps, e.correct, e.seen, e.skipped);
    if (find("seed") != nullptr)
        s.order = DataOrder{
            .seed = parse_number<std::uint64_t>(path, "seed", meta("seed")),
            .batch_size = parse_number<std::int64_t>(path, "batch_size", meta("batch_size")),
            .limit_train = parse_number<std::int64_t>(path, "limit_train", meta("limit_train")),
            .world_size =
                find("world_size") ? parse_number<std::int64_t>(path, "world_size", meta("world_size")) : 1};
    NABLA_CHECK(!s.order || (s.order->batch_size >= 1 && s.order->world_size >= 1), kWhere,
                "{}: batch size {} on {} ranks in the metadata", path, s.order ? s.order->batch_size : 0,
                s.order ? s.order->world_size : 0);
    NABLA_CHECK(!e.started() || s.order, kWhere, "{}: a mid-epoch checkpoint without its seed and batch size",
                path);
    if (const std::string* rng = find("rng")) {
        // Checked here, restored by the caller once the model is built (building draws from it).
        std::istringstream in(*rng);
        Generator g;
        in >> g;
        NABLA_CHECK(!in.fail(), kWhere, "{}: metadata 'rng' is not a generator state", path);
        s.rng = *rng;
    }

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

void restore_generator(const TrainState& state) {
    if (state.rng.empty()) return;
    std::istringstream in(state.rng);
    in >> global_generator();
}

}  // namespace nabla::apps
