#include "layers/batchnorm_blocks.h"

#include "core/error.h"
#include "core/random.h"

#include <cmath>

namespace nabla::nn {

Sequential linear_bn(std::int64_t in, std::int64_t out, BatchNormOptions bn) {
    bn.num_features = out;
    Sequential s;
    s.append(Linear({.in = in, .out = out, .bias = false}));
    s.append(BatchNorm1d(bn));
    return s;
}

Sequential conv_bn(Conv2dOptions conv, BatchNormOptions bn) {
    conv.bias = false;
    bn.num_features = conv.out;
    Sequential s;
    s.append(Conv2d(conv));
    s.append(BatchNorm2d(bn));
    return s;
}

namespace {

// Writes W' and b' into `folded` (same weight shape as `weight`, with a bias).
// Each output channel o owns weight.numel() / out consecutive values.
void fold_into(const Tensor& folded_w, const Tensor& folded_b, const Tensor& weight, const Tensor& bias,
               const BatchNorm& bn, const char* what) {
    const BatchNormOptions& o = bn.options();
    const std::int64_t out = weight.size(0);
    NABLA_CHECK(o.track_running_stats, "fold_batchnorm",
                "{} has no running statistics (track_running_stats=false): there is no eval-mode map to fold",
                bn.repr());
    NABLA_CHECK(o.num_features == out, "fold_batchnorm", "{} has {} outputs but the BN has {} features", what,
                out, o.num_features);
    const std::int64_t per = weight.numel() / out;
    Tensor w = folded_w, b = folded_b;
    for (std::int64_t c = 0; c < out; ++c) {
        const double gamma = o.affine ? bn.weight().data()[c] : 1.0;
        const double beta = o.affine ? bn.bias().data()[c] : 0.0;
        const double s = gamma / std::sqrt(double(bn.running_var().data()[c]) + double(o.eps));
        for (std::int64_t k = 0; k < per; ++k) w.data()[c * per + k] = float(weight.data()[c * per + k] * s);
        const double b0 = bias.defined() ? bias.data()[c] : 0.0;
        b.data()[c] = float(beta + (b0 - bn.running_mean().data()[c]) * s);
    }
    w.bump_version();
    b.bump_version();
}

// Restores the global generator on scope exit: building the folded layer draws an
// init that is overwritten at once, and should not shift the caller's random stream.
struct KeepGenerator {
    Generator saved = global_generator();
    ~KeepGenerator() { global_generator() = saved; }
};

}  // namespace

Linear fold_batchnorm(const Linear& layer, const BatchNorm& bn) {
    KeepGenerator keep;
    LinearOptions o = layer.options();
    o.bias = true;
    Linear folded(o);
    fold_into(folded.weight(), folded.bias(), layer.weight(), layer.bias(), bn, "Linear");
    folded.train(layer.is_training());
    return folded;
}

Conv2d fold_batchnorm(const Conv2d& layer, const BatchNorm& bn) {
    KeepGenerator keep;
    Conv2dOptions o = layer.options();
    o.bias = true;
    Conv2d folded(o);
    fold_into(folded.weight(), folded.bias(), layer.weight(), layer.bias(), bn, "Conv2d");
    folded.train(layer.is_training());
    return folded;
}

std::shared_ptr<Module> fold_batchnorm(const Module& layer, const BatchNorm& bn) {
    if (const auto* l = dynamic_cast<const Linear*>(&layer))
        return std::make_shared<Linear>(fold_batchnorm(*l, bn));
    if (const auto* c = dynamic_cast<const Conv2d*>(&layer))
        return std::make_shared<Conv2d>(fold_batchnorm(*c, bn));
    throw Error("fold_batchnorm", fmt::format("can fold into a Linear or a Conv2d, got {}", layer.name()));
}

}  // namespace nabla::nn
