#include "apps/study/networks.h"

namespace nabla::apps {

namespace {
void add_norm(nn::Sequential& m, Norm n, std::int64_t width) {
    switch (n) {
        case Norm::none: break;
        case Norm::batch: m.append(nn::BatchNorm1d({.num_features = width})); break;
        // Groups of 16 features: the GroupNorm users are pointed to for small batches.
        case Norm::group: m.append(nn::GroupNorm({.num_groups = width / 16, .num_channels = width})); break;
        case Norm::layer: m.append(nn::LayerNorm({.normalized_shape = {width}})); break;
    }
}
void add_activation(nn::Sequential& m, Activation a) {
    if (a == Activation::relu)
        m.append(nn::ReLU());
    else
        m.append(nn::Sigmoid());
}
}  // namespace

std::shared_ptr<nn::Sequential> make_mlp(const MlpOptions& o) {
    auto m = std::make_shared<nn::Sequential>();
    std::int64_t in = 784;
    for (std::int64_t width : o.hidden) {
        const bool norm_next = o.norm != Norm::none && !o.norm_after_activation;
        m->append(nn::Linear({.in = in, .out = width, .bias = !norm_next || o.keep_bias}));
        if (!o.norm_after_activation) add_norm(*m, o.norm, width);
        add_activation(*m, o.activation);
        if (o.norm_after_activation) add_norm(*m, o.norm, width);
        if (o.dropout > 0.0f) m->append(nn::Dropout({.p = o.dropout}));
        in = width;
    }
    m->append(nn::Linear({.in = in, .out = o.outputs}));
    return m;
}

const char* norm_name(Norm n) {
    switch (n) {
        case Norm::none: return "no norm";
        case Norm::batch: return "BatchNorm";
        case Norm::group: return "GroupNorm";
        case Norm::layer: break;
    }
    return "LayerNorm";
}

std::string describe_mlp(const MlpOptions& o) {
    std::string s = "784";
    for (auto w : o.hidden) s += fmt::format("-{}", w);
    s += fmt::format("-{}, {}", o.outputs, o.activation == Activation::relu ? "ReLU" : "sigmoid");
    if (o.norm != Norm::none)
        s += fmt::format(", {} {} the activation", norm_name(o.norm),
                         o.norm_after_activation ? "after" : "before");
    if (o.keep_bias) s += ", bias kept before the norm";
    if (o.dropout > 0) s += fmt::format(", dropout {:g}", o.dropout);
    return s;
}

}  // namespace nabla::apps
