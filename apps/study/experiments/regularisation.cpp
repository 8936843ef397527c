// Claim 8: BN is not L2 regularisation, and with BN less dropout and weight decay are
// needed. The mlp trains on a small subset (where regularisation matters) in every
// combination of {BN, none} x {weight decay 0, 5e-4} x {dropout 0, 0.5}.
#include "apps/study/experiments/experiments.h"

#include <cmath>

namespace nabla::apps {

namespace {
// Norm of all hidden Linear weights together.
double hidden_weight_norm(nn::Sequential& m) {
    double sq = 0;
    int linears = 0;
    for (size_t i = 0; i < m.size(); ++i)
        if (m[i].name() == "Linear") ++linears;
    for (size_t i = 0, k = 0; i < m.size(); ++i) {
        if (m[i].name() != "Linear" || ++k == size_t(linears)) continue;
        for (const auto& [name, p] : m[i].named_parameters())
            if (name == "weight")
                for (std::int64_t j = 0; j < p.numel(); ++j) sq += double(p.data()[j]) * p.data()[j];
    }
    return std::sqrt(sq);
}
}  // namespace

Experiment regularisation_experiment(const StudyData& d, const Scale& s) {
    const std::int64_t images = s.subset(2000, 10000), steps = s.steps(300, 4000);
    Experiment e{
        .key = "regularisation",
        .title = "BN is not L2; with BN less dropout and weight decay are needed",
        .claim =
            "Dropout and weight decay improve a network without BatchNorm more than one with it, "
            "since BN regularises a little itself; and BN does not keep the weights small as L2 does.",
        .method = fmt::format("The mlp trains on {} images for {} steps (SGD with momentum 0.9 at lr "
                              "0.01, batch 64) in every combination of BN or not, weight decay 0 or "
                              "5e-4 (not on biases or BN's gamma and beta), dropout 0 or 0.5; the norm "
                              "of the hidden weights is recorded over training.",
                              images, steps)};
    auto train_set = std::make_shared<Subset>(first_n(d.train, images));
    e.datasets.push_back(train_set);
    const auto seeds = s.seed_list(2, 3);
    using Key = std::tuple<bool, bool, bool>;  // bn, weight decay, dropout
    std::map<Key, std::vector<std::string>> ids;
    for (bool bn : {false, true})
        for (bool wd : {false, true})
            for (bool drop : {false, true}) {
                const MlpOptions o{.norm = bn ? Norm::batch : Norm::none, .dropout = drop ? 0.5f : 0.0f};
                const std::string name = fmt::format("{}_wd{}_dropout{}", bn ? "bn" : "plain",
                                                     wd ? "5e-4" : "0", drop ? "0.5" : "0");
                ids[{bn, wd, drop}] = add_runs(
                    e, name,
                    fmt::format("{}, weight decay {}, dropout {}", bn ? "BN" : "no BN", wd ? "5e-4" : "0",
                                drop ? "0.5" : "0"),
                    seeds, 1.0,
                    [=](std::uint64_t seed) {
                        auto norms = std::make_shared<Curve>();
                        const std::int64_t every = std::max<std::int64_t>(1, steps / 20);
                        TrainSpec t{.model = [=] { return make_mlp(o); },
                                    .optimizer = {.name = "momentum",
                                                  .lr = 0.01f,
                                                  .momentum = 0.9f,
                                                  .weight_decay = wd ? 5e-4f : 0.0f},
                                    .steps = steps,
                                    .eval_every = std::max<std::int64_t>(1, steps / 8),
                                    .seed = seed};
                        t.after_backward = [=](std::int64_t step, nn::Sequential& m) {
                            if (step % every == 0) norms->add(double(step), hidden_weight_norm(m));
                        };
                        t.finish = [=](nn::Sequential& m, RunResult& out) {
                            norms->add(out.value("steps_done"), hidden_weight_norm(m));
                            out.curves["weight_norm"] = *norms;
                        };
                        return t;
                    },
                    *train_set, d.test);
            }
    e.report = [=](const Results& r) {
        ClaimSection c;
        c.table.header = {"BN", "weight decay", "dropout", "final test accuracy",
                          "hidden weight norm at the end"};
        std::map<Key, std::vector<double>> acc;
        for (const auto& [k, v] : ids) {
            const auto [bn, wd, drop] = k;
            acc[k] = values(r, v, "final_accuracy");
            std::vector<double> wn;
            for (const RunResult* x : runs(r, v))
                if (auto it = x->curves.find("weight_norm"); it != x->curves.end() && !it->second.y.empty())
                    wn.push_back(it->second.y.back());
            c.table.rows.push_back({bn ? "with" : "without", wd ? "5e-4" : "0", drop ? "0.5" : "0",
                                    percent(stat(acc[k])), mean_sd(stat(wn))});
        }
        Chart chart{.title = "norm of the hidden weights",
                    .x_label = "training step",
                    .y_label = "||W|| of the hidden layers"};
        for (bool bn : {false, true})
            for (bool wd : {false, true})
                chart.series.push_back(mean_band(
                    fmt::format("{} BN, wd {}", bn ? "with" : "without", wd ? "5e-4" : "0"),
                    bn ? kWithBn : kWithoutBn, runs(r, ids.at({bn, wd, false})), "weight_norm", wd));
        c.figures.push_back({render_svg(chart),
                             "Norm of the hidden layers' weights without dropout; solid: no weight "
                             "decay, dashed: weight decay 5e-4. Look at the blue solid line: if "
                             "BN acted like L2 it would stay flat; with BN the weights' scale "
                             "does not matter to the output, so nothing holds it back."});
        // Per seed: what weight decay and dropout together add to the final accuracy.
        auto gain = [&](bool bn) {
            std::vector<double> out;
            const auto& reg = acc[{bn, true, true}];
            const auto& base = acc[{bn, false, false}];
            for (size_t i = 0; i < std::min(reg.size(), base.size()); ++i) out.push_back(reg[i] - base[i]);
            return out;
        };
        const auto g_plain = gain(false), g_bn = gain(true);
        if (!g_plain.empty() && !g_bn.empty())
            c.findings.push_back(
                fmt::format("Weight decay 5e-4 with dropout 0.5 changed the final test accuracy by {:+.2f} "
                            "points without BN "
                            "and by {:+.2f} points with BN.",
                            100 * stat(g_plain).mean, 100 * stat(g_bn).mean));
        c.verdict = judge(g_plain, g_bn);
        c.compared =
            "the accuracy gained from weight decay and dropout together, per seed, without BN against with";
        return c;
    };
    for (bool bn : {false, true}) {
        const MlpOptions o{.norm = bn ? Norm::batch : Norm::none, .dropout = 0.5f};
        e.networks.push_back(
            {bn ? "mlp_bn_dropout" : "mlp_dropout", describe_mlp(o), count_parameters(make_mlp(o))});
    }
    return e;
}

}  // namespace nabla::apps
