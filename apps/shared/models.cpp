#include "apps/shared/models.h"

namespace nabla::apps {

namespace {

// Linear (bias dropped when BN follows) [-> BatchNorm1d] -> activation.
template <class Act>
void hidden_linear(nn::Sequential& m, std::int64_t in, std::int64_t out, bool bn) {
    m.append(nn::Linear({.in = in, .out = out, .bias = !bn}));
    if (bn) m.append(nn::BatchNorm1d({.num_features = out}));
    m.append(Act());
}

void hidden_conv(nn::Sequential& m, std::int64_t in, std::int64_t out, bool bn) {
    m.append(nn::Conv2d({.in = in, .out = out, .kernel = 3, .stride = 1, .padding = 1, .bias = !bn}));
    if (bn) m.append(nn::BatchNorm2d({.num_features = out}));
    m.append(nn::ReLU());
    m.append(nn::MaxPool2d({.kernel = 2}));
}

}  // namespace

std::shared_ptr<nn::Sequential> make_model(ModelKind kind, bool bn) {
    auto m = std::make_shared<nn::Sequential>();
    switch (kind) {
        case ModelKind::mlp:
            hidden_linear<nn::ReLU>(*m, 784, 256, bn);
            hidden_linear<nn::ReLU>(*m, 256, 256, bn);
            m->append(nn::Linear({.in = 256, .out = 10}));
            break;
        case ModelKind::cnn:
            hidden_conv(*m, 1, 32, bn);
            hidden_conv(*m, 32, 64, bn);
            m->append(nn::Flatten());
            hidden_linear<nn::ReLU>(*m, 3136, 128, bn);
            m->append(nn::Linear({.in = 128, .out = 10}));
            break;
        case ModelKind::ioffe:
            hidden_linear<nn::Sigmoid>(*m, 784, 100, bn);
            hidden_linear<nn::Sigmoid>(*m, 100, 100, bn);
            hidden_linear<nn::Sigmoid>(*m, 100, 100, bn);
            m->append(nn::Linear({.in = 100, .out = 10}));
            break;
    }
    return m;
}

std::string model_name(ModelKind kind, bool bn) {
    const char* base = kind == ModelKind::mlp ? "mlp" : kind == ModelKind::cnn ? "cnn" : "ioffe";
    return bn ? std::string(base) + "_bn" : std::string(base);
}

ModelKind parse_model_kind(const std::string& s) {
    if (s == "mlp") return ModelKind::mlp;
    if (s == "cnn") return ModelKind::cnn;
    if (s == "ioffe") return ModelKind::ioffe;
    throw Error("model", fmt::format("unknown model '{}' (expected mlp, cnn or ioffe)", s));
}

bool takes_images(ModelKind kind) { return kind == ModelKind::cnn; }

Tensor model_input(const Tensor& images, ModelKind kind) {
    return takes_images(kind) ? images : images.flatten(1);
}

}  // namespace nabla::apps
