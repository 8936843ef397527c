#include "layers/serialize.h"

#include "autograd/grad_mode.h"
#include "core/error.h"

#include <map>

namespace nabla::nn {

NamedTensors state_dict(const Module& module) {
    NamedTensors out = module.named_parameters();
    for (auto& b : module.named_buffers()) out.push_back(std::move(b));
    return out;
}

void load_state_dict(Module& module, const NamedTensors& tensors) {
    std::map<std::string, Tensor> given;
    std::vector<std::string> problems;
    for (const auto& [name, t] : tensors)
        if (!given.emplace(name, t).second) problems.push_back(fmt::format("'{}' given twice", name));
    const NamedTensors own = state_dict(module);
    for (const auto& [name, t] : own) {
        auto it = given.find(name);
        if (it == given.end()) {
            problems.push_back(fmt::format("missing '{}' {}", name, t.shape()));
            continue;
        }
        if (!it->second.defined() || it->second.shape() != t.shape())
            problems.push_back(fmt::format("'{}' has shape {} in the checkpoint, {} in the model", name,
                                           describe(it->second), t.shape()));
        given.erase(it);
    }
    for (const auto& [name, t] : given)
        problems.push_back(fmt::format("unexpected '{}' {}", name, t.shape()));
    NABLA_CHECK(problems.empty(), "load_state_dict", "the checkpoint does not fit {}: {}", module.name(),
                fmt::join(problems, "; "));
    NoGradGuard no_grad;
    std::map<std::string, Tensor> src(tensors.begin(), tensors.end());
    for (auto [name, t] : own) t.copy_(src.at(name));
}

void save(const Module& module, const std::string& path) {
    save_safetensors(path, state_dict(module), {{"format", "nabla-module-1"}, {"module", module.name()}});
}

void load(Module& module, const std::string& path) {
    const SafetensorsFile file = load_safetensors(path);
    try {
        load_state_dict(module, NamedTensors(file.tensors.begin(), file.tensors.end()));
    } catch (const Error& e) {
        throw e.with_context(fmt::format("load '{}'", path));
    }
}

}  // namespace nabla::nn
