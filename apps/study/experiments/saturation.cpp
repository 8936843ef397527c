// Claim 3: without BN a sigmoid network saturates and its gradients vanish in the early
// layers; BN helps sigmoid networks more than ReLU ones. The Ioffe network (three hidden
// layers of 100) trains with sigmoid and with ReLU, each with and without BN.
#include "apps/study/experiments/experiments.h"

#include <cmath>

namespace nabla::apps {

namespace {
// |z| > 4: sigmoid(z) is within 0.018 of 0 or 1, where its slope is below 0.018.
constexpr float kSaturated = 4.0f;
}  // namespace

Experiment saturation_experiment(const StudyData& d, const Scale& s) {
    const std::int64_t steps = s.steps(500, 10000), every = std::max<std::int64_t>(1, steps / 30);
    Experiment e{
        .key = "saturation",
        .title = "Without BN a sigmoid network saturates; BN helps sigmoid most",
        .claim =
            "Without BatchNorm the units of a sigmoid network saturate and the early layers' "
            "gradients vanish, so BN improves a sigmoid network more than a ReLU one.",
        .method = fmt::format("The 784-100-100-100-10 network trains with sigmoid and with ReLU, each "
                              "with and without BN (SGD at lr 0.1, batch 60, {} steps); every {} steps "
                              "it records each layer's weight-gradient norm and the fraction of "
                              "sigmoid inputs beyond ±{:g}.",
                              steps, every, kSaturated)};
    const auto seeds = s.seed_list(3, 3);
    std::map<std::pair<Activation, bool>, std::vector<std::string>> ids;
    for (Activation act : {Activation::sigmoid, Activation::relu})
        for (bool bn : {false, true}) {
            const MlpOptions o{
                .hidden = {100, 100, 100}, .activation = act, .norm = bn ? Norm::batch : Norm::none};
            const std::string name =
                fmt::format("{}{}", act == Activation::sigmoid ? "sigmoid" : "relu", bn ? "_bn" : "");
            ids[{act, bn}] = add_runs(
                e, name,
                fmt::format("{} network {} BN", act == Activation::sigmoid ? "sigmoid" : "ReLU",
                            bn ? "with" : "without"),
                seeds, 0.4,
                [=](std::uint64_t seed) {
                    // The hooks collect into these; finish copies them into the run's curves.
                    auto sat = std::make_shared<std::map<std::int64_t, std::pair<double, double>>>();
                    auto grads = std::make_shared<std::map<std::string, Curve>>();
                    TrainSpec t{.model = [=] { return make_mlp(o); },
                                .optimizer = {.name = "sgd", .lr = 0.1f, .momentum = {}},
                                .batch_size = 60,
                                .steps = steps,
                                .eval_every = every * 5,
                                .seed = seed};
                    if (act == Activation::sigmoid)
                        t.inspect = [=](std::int64_t step, size_t, nn::Module& layer, const Tensor& x) {
                            if (step % every || layer.name() != "Sigmoid") return;
                            auto& [n_sat, n_all] = (*sat)[step];
                            for (std::int64_t j = 0; j < x.numel(); ++j)
                                n_sat += std::abs(x.data()[j]) > kSaturated;
                            n_all += double(x.numel());
                        };
                    t.after_backward = [=](std::int64_t step, nn::Sequential& m) {
                        if (step % every) return;
                        int k = 0;
                        for (size_t i = 0; i < m.size(); ++i) {
                            if (m[i].name() != "Linear") continue;
                            ++k;
                            for (const auto& [pname, p] : m[i].named_parameters())
                                if (pname == "weight") {
                                    const Tensor g = p.grad();
                                    double sq = 0;
                                    for (std::int64_t j = 0; j < g.numel(); ++j)
                                        sq += double(g.data()[j]) * g.data()[j];
                                    (*grads)[fmt::format("grad_norm_layer{}", k)].add(double(step),
                                                                                      std::sqrt(sq));
                                }
                        }
                        // Saturation of the sigmoid inputs of this step's forward pass.
                        if (act == Activation::sigmoid && sat->count(step)) {
                            const auto [n_sat, n_all] = sat->at(step);
                            (*grads)["saturated_fraction"].add(double(step), n_all > 0 ? n_sat / n_all : 0.0);
                        }
                    };
                    t.finish = [=](nn::Sequential&, RunResult& out) {
                        for (auto& [k, c] : *grads) out.curves[k] = c;
                    };
                    return t;
                },
                d.train, d.test);
        }
    e.report = [=](const Results& r) {
        ClaimSection c;
        c.table.header = {"activation", "BN", "final test accuracy", "saturated sigmoid inputs at the end",
                          "gradient norm layer 1 / layer 4 at the end"};
        std::map<std::pair<Activation, bool>, std::vector<double>> acc;
        Chart sat{.title = "sigmoid network: saturated fraction",
                  .x_label = "training step",
                  .y_label = "fraction of sigmoid inputs beyond ±4"};
        Chart grad{.title = "sigmoid network: first-layer gradient norm",
                   .x_label = "training step",
                   .y_label = "|dL/dW1| (log scale)",
                   .log_y = true};
        for (Activation act : {Activation::sigmoid, Activation::relu})
            for (bool bn : {false, true}) {
                const auto& v = ids.at({act, bn});
                const auto rs = runs(r, v);
                acc[{act, bn}] = values(r, v, "final_accuracy");
                std::vector<double> sat_end, ratio_end;
                for (const RunResult* x : rs) {
                    if (auto it = x->curves.find("saturated_fraction");
                        it != x->curves.end() && !it->second.y.empty())
                        sat_end.push_back(it->second.y.back());
                    const auto a = x->curves.find("grad_norm_layer1"), b = x->curves.find("grad_norm_layer4");
                    if (a != x->curves.end() && b != x->curves.end() && !a->second.y.empty() &&
                        !b->second.y.empty() && b->second.y.back() > 0)
                        ratio_end.push_back(a->second.y.back() / b->second.y.back());
                }
                c.table.rows.push_back({act == Activation::sigmoid ? "sigmoid" : "ReLU",
                                        bn ? "with" : "without", percent(stat(acc[{act, bn}])),
                                        act == Activation::sigmoid ? percent(stat(sat_end)) : "-",
                                        mean_sd(stat(ratio_end), 1.0, 3)});
                if (act == Activation::sigmoid) {
                    const std::string label = bn ? "with BN" : "without BN";
                    sat.series.push_back(
                        mean_band(label, bn ? kWithBn : kWithoutBn, rs, "saturated_fraction", !bn));
                    grad.series.push_back(
                        mean_band(label, bn ? kWithBn : kWithoutBn, rs, "grad_norm_layer1", !bn));
                }
            }
        c.figures.push_back({render_svg(sat),
                             "Fraction of the sigmoid network's hidden-unit inputs (the training "
                             "batch, all three layers) beyond ±4, where the sigmoid's slope is "
                             "below 0.018. Look for the red line (without BN) climbing while "
                             "the blue one stays low."});
        c.figures.push_back({render_svg(grad),
                             "Norm of the first layer's weight gradient. Look for the red line "
                             "(without BN) falling below the blue one: vanishing gradients."});
        // Per seed: the gain from BN in test accuracy, with sigmoid and with ReLU.
        std::vector<double> gain_sigmoid, gain_relu;
        for (size_t i = 0; i < seeds.size(); ++i) {
            auto gain = [&](Activation a, std::vector<double>& out) {
                if (i < acc[{a, true}].size() && i < acc[{a, false}].size())
                    out.push_back(acc[{a, true}][i] - acc[{a, false}][i]);
            };
            gain(Activation::sigmoid, gain_sigmoid);
            gain(Activation::relu, gain_relu);
        }
        if (!gain_sigmoid.empty() && !gain_relu.empty())
            c.findings.push_back(
                fmt::format("BN changed the final test accuracy by {:+.2f} points with sigmoid and "
                            "by {:+.2f} points with ReLU.",
                            100 * stat(gain_sigmoid).mean, 100 * stat(gain_relu).mean));
        c.verdict = judge(gain_sigmoid, gain_relu);
        c.compared = "the gain in final test accuracy from BN per seed, with sigmoid against with ReLU";
        return c;
    };
    for (Activation act : {Activation::sigmoid, Activation::relu})
        for (bool bn : {false, true}) {
            const MlpOptions o{
                .hidden = {100, 100, 100}, .activation = act, .norm = bn ? Norm::batch : Norm::none};
            e.networks.push_back(
                {fmt::format("{}{}", act == Activation::sigmoid ? "sigmoid" : "relu", bn ? "_bn" : ""),
                 describe_mlp(o), count_parameters(make_mlp(o))});
        }
    return e;
}

}  // namespace nabla::apps
