// Claim 6: the bias before BN is useless. The BN mlp keeps the bias of each Linear that
// feeds a BatchNorm; its gradient is set against the weights', its movement is measured,
// and the accuracy is set against the bias-free network's.
#include "apps/study/experiments/experiments.h"

#include <cmath>

namespace nabla::apps {

namespace {
double max_abs(const Tensor& t) {
    double m = 0;
    for (std::int64_t i = 0; i < t.numel(); ++i) m = std::max(m, double(std::abs(t.data()[i])));
    return m;
}
// The weight and bias of every Linear followed by a BatchNorm1d.
std::vector<std::pair<Tensor, Tensor>> before_bn(nn::Sequential& m) {
    std::vector<std::pair<Tensor, Tensor>> out;
    for (size_t i = 0; i + 1 < m.size(); ++i) {
        if (m[i].name() != "Linear" || m[i + 1].name() != "BatchNorm1d") continue;
        Tensor w, b;
        for (const auto& [name, p] : m[i].named_parameters()) (name == "weight" ? w : b) = p;
        if (b.defined()) out.push_back({w, b});
    }
    return out;
}
}  // namespace

Experiment bias_experiment(const StudyData& d, const Scale& s) {
    const std::int64_t steps = s.steps(250, 3000);
    Experiment e{
        .key = "bias",
        .title = "The bias before BN is useless",
        .claim =
            "A bias in the layer feeding BatchNorm gets a zero gradient, never moves, and changes "
            "nothing: BN subtracts the batch mean, which cancels it.",
        .method = fmt::format("The BN mlp trains with and without the bias of its two hidden Linears "
                              "(SGD with momentum 0.9 at lr 0.01, batch 64, {} steps); every step "
                              "records the largest gradient magnitude of those biases and of their "
                              "weights.",
                              steps)};
    const auto seeds = s.seed_list(3, 3);
    std::map<bool, std::vector<std::string>> ids;
    for (bool keep : {false, true}) {
        const MlpOptions o{.norm = Norm::batch, .keep_bias = keep};
        ids[keep] = add_runs(
            e, keep ? "mlp_bn_bias" : "mlp_bn", keep ? "BN mlp keeping the bias" : "BN mlp without the bias",
            seeds, 1.0,
            [=](std::uint64_t seed) {
                auto acc = std::make_shared<std::map<std::string, double>>();
                auto start = std::make_shared<std::vector<std::pair<Tensor, Tensor>>>();
                TrainSpec t{.model = [=] { return make_mlp(o); },
                            .optimizer = {.name = "momentum", .lr = 0.01f, .momentum = 0.9f},
                            .steps = steps,
                            .eval_every = std::max<std::int64_t>(1, steps / 6),
                            .seed = seed};
                if (keep) {
                    t.after_backward = [=](std::int64_t step, nn::Sequential& m) {
                        auto pairs = before_bn(m);
                        if (step == 0)
                            for (auto& [w, b] : pairs) start->push_back({w.clone(), b.clone()});
                        for (auto& [w, b] : pairs) {
                            (*acc)["bias_grad_max"] = std::max((*acc)["bias_grad_max"], max_abs(b.grad()));
                            (*acc)["weight_grad_max"] =
                                std::max((*acc)["weight_grad_max"], max_abs(w.grad()));
                        }
                    };
                    t.finish = [=](nn::Sequential& m, RunResult& out) {
                        NoGradGuard no_grad;
                        for (auto& [k, v] : *acc) out.values[k] = v;
                        auto pairs = before_bn(m);
                        double bias_move = 0, weight_move = 0;
                        for (size_t i = 0; i < pairs.size() && i < start->size(); ++i) {
                            bias_move = std::max(bias_move, max_abs(pairs[i].second - (*start)[i].second));
                            weight_move = std::max(weight_move, max_abs(pairs[i].first - (*start)[i].first));
                        }
                        out.values["bias_moved"] = bias_move;
                        out.values["weight_moved"] = weight_move;
                    };
                }
                return t;
            },
            d.train, d.test);
        e.networks.push_back(
            {keep ? "mlp_bn_bias" : "mlp_bn", describe_mlp(o), count_parameters(make_mlp(o))});
    }
    e.report = [=](const Results& r) {
        ClaimSection c;
        c.table.header = {"bias before BN",          "final test accuracy",
                          "largest |bias gradient|", "largest |weight gradient|",
                          "largest bias change",     "largest weight change"};
        for (bool keep : {false, true}) {
            const auto& v = ids.at(keep);
            auto sci = [&](const char* key) {
                const auto x = values(r, v, key);
                if (!keep || x.empty()) return std::string("-");
                return fmt::format("{:.2g}", stat(x).max);
            };
            c.table.rows.push_back({keep ? "kept" : "dropped", percent(stat(values(r, v, "final_accuracy"))),
                                    sci("bias_grad_max"), sci("weight_grad_max"), sci("bias_moved"),
                                    sci("weight_moved")});
        }
        Chart chart{.title = "test error with and without the bias before BN",
                    .x_label = "training step",
                    .y_label = "test error (log scale)",
                    .log_y = true};
        chart.series.push_back(mean_band("BN, bias dropped", kWithBn, runs(r, ids.at(false)), "test_error"));
        chart.series.push_back(
            mean_band("BN, bias kept", "#ff7f0e", runs(r, ids.at(true)), "test_error", true));
        c.figures.push_back({render_svg(chart),
                             "Test error of the BN mlp with and without the bias before BN, mean "
                             "over seeds with the min-max band. Look for two lines on top of "
                             "each other."});
        // log10 of the largest gradient magnitudes (floor 1e-30: an exact zero is a very small number).
        auto logs = [&](const char* key) {
            std::vector<double> out;
            for (double x : values(r, ids.at(true), key)) out.push_back(std::log10(std::max(x, 1e-30)));
            return out;
        };
        const auto bias_log = logs("bias_grad_max"), weight_log = logs("weight_grad_max");
        const auto moved = values(r, ids.at(true), "bias_moved");
        if (!bias_log.empty())
            c.findings.push_back(fmt::format(
                "The largest bias gradient was 10^{:.1f} against 10^{:.1f} for the weights of the same "
                "layers, and "
                "the biases moved by at most {:.2g}: *the bias before BN gets no gradient and stays where it "
                "started*.",
                stat(bias_log).max, stat(weight_log).mean, stat(moved).max));
        const Verdict same =
            judge(values(r, ids.at(true), "final_accuracy"), values(r, ids.at(false), "final_accuracy"));
        if (same.pooled_sd > 0 || same.difference != 0)
            c.findings.push_back(fmt::format(
                "Keeping the bias changed the final test accuracy by {:+.3f} points, {} twice the pooled "
                "standard "
                "deviation over seeds ({:.3f} points).",
                100 * same.difference, std::abs(same.difference) <= 2 * same.pooled_sd ? "within" : "beyond",
                200 * same.pooled_sd));
        c.verdict = judge(weight_log, bias_log);
        c.compared = "log10 of the largest gradient magnitude, the weights against the bias before BN";
        return c;
    };
    return e;
}

}  // namespace nabla::apps
