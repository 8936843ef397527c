// Claim 1: BN converges in fewer steps. The mlp and the cnn train with and without BN
// under the same seeds, data order and optimizer; the steps to the data set's two target
// accuracies are read off the test-error curve.
#include "apps/study/experiments/experiments.h"

namespace nabla::apps {

Experiment convergence_experiment(const StudyData& d, const Scale& s) {
    Experiment e{
        .key = "convergence",
        .title = "BN converges in fewer steps",
        .claim = "With BatchNorm a network reaches a given test accuracy in fewer training steps.",
        .method = fmt::format("The mlp and the cnn train with and without BN (same seeds, data order, "
                              "SGD with momentum 0.9 at lr 0.02, batch 64 for the mlp and 32 for the cnn); "
                              "the steps to {:.0f}% and "
                              "{:.0f}% test accuracy are read off evaluations on {} test images.",
                              100 * d.target_low, 100 * d.target_high, s.full ? 10000 : 1000)};
    const auto seeds = s.seed_list(3, 3), cnn_seeds = s.seed_list(2, 3);
    struct Arm {
        ModelKind kind;
        bool bn;
        std::vector<std::string> ids;
    };
    std::vector<Arm> arms;
    for (ModelKind kind : {ModelKind::mlp, ModelKind::cnn})
        for (bool bn : {false, true}) {
            const bool cnn = kind == ModelKind::cnn;
            const std::int64_t steps = cnn ? s.steps(150, 3000) : s.steps(400, 5000);
            const std::int64_t every =
                std::max<std::int64_t>(1, std::min<std::int64_t>(cnn ? 25 : 50, steps / 4));
            const std::int64_t batch = cnn ? 32 : 64;
            auto make = [=](std::uint64_t seed) {
                return TrainSpec{.model = [=] { return make_model(kind, bn); },
                                 .input = kind,
                                 .optimizer = {.name = "momentum", .lr = 0.02f, .momentum = 0.9f},
                                 .batch_size = batch,
                                 .steps = steps,
                                 .eval_every = every,
                                 .eval_limit = s.full ? 10000 : 1000,
                                 .seed = seed};
            };
            arms.push_back(
                {kind, bn,
                 add_runs(e, model_name(kind, bn),
                          fmt::format("{} {}", model_name(kind, false), bn ? "with BN" : "without BN"),
                          cnn ? cnn_seeds : seeds, cnn ? 7.0 : 1.0, make, d.train, d.test)});
            e.networks.push_back(
                {model_name(kind, bn),
                 cnn ? (bn ? "Conv32-BN-ReLU-Pool, Conv64-BN-ReLU-Pool, FC128-BN-ReLU, FC10"
                           : "Conv32-ReLU-Pool, Conv64-ReLU-Pool, FC128-ReLU, FC10 (3x3 convs)")
                     : (bn ? "784-256-256-10, BN before each ReLU" : "784-256-256-10, ReLU"),
                 count_parameters(make_model(kind, bn))});
        }
    e.report = [arms, d](const Results& r) {
        ClaimSection c;
        c.table.header = {"network", "BN", fmt::format("steps to {:.0f}%", 100 * d.target_low),
                          fmt::format("steps to {:.0f}%", 100 * d.target_high), "final test accuracy"};
        std::vector<double> ratio_plain, ratio_bn;  // steps relative to the run's length, for the verdict
        for (ModelKind kind : {ModelKind::mlp, ModelKind::cnn}) {
            Chart chart{.title = fmt::format("{}: test error", model_name(kind, false)),
                        .x_label = "training step",
                        .y_label = "test error (log scale)",
                        .log_y = true};
            std::map<bool, std::vector<double>> low, high;
            for (const Arm& a : arms) {
                if (a.kind != kind) continue;
                const auto rs = runs(r, a.ids);
                if (rs.empty()) continue;
                const double never =
                    rs.front()->value("steps_done") * 2;  // not reached: counted as twice the run
                for (const RunResult* x : rs) {
                    low[a.bn].push_back(steps_to_accuracy(*x, d.target_low, never));
                    high[a.bn].push_back(steps_to_accuracy(*x, d.target_high, never));
                }
                auto fmt_steps = [&](const std::vector<double>& v) {
                    const Stat st = stat(v);
                    const auto missed = std::count(v.begin(), v.end(), never);
                    return mean_sd(st, 1.0, 0) +
                           (missed ? fmt::format(" ({} of {} never)", missed, v.size()) : "");
                };
                c.table.rows.push_back({model_name(kind, false), a.bn ? "with" : "without",
                                        fmt_steps(low[a.bn]), fmt_steps(high[a.bn]),
                                        percent(stat(values(r, a.ids, "final_accuracy")))});
                chart.series.push_back(mean_band(a.bn ? "with BN" : "without BN", a.bn ? kWithBn : kWithoutBn,
                                                 rs, "test_error", !a.bn));
                for (double v : low[a.bn]) (a.bn ? ratio_bn : ratio_plain).push_back(-v / never);
                const std::string note = divergence_note(r, a.ids);
                if (!note.empty())
                    c.findings.push_back(fmt::format("{} {} BN: {}.", model_name(kind, false),
                                                     a.bn ? "with" : "without", note));
            }
            if (chart.series.empty()) continue;
            c.figures.push_back(
                {render_svg(chart),
                 fmt::format(
                     "Test error of the {} on a log scale, mean over seeds with the min-max band. Look "
                     "for the blue line (with BN) dropping below {:.0f}% error earlier than the red one.",
                     model_name(kind, false), 100 * (1 - d.target_low))});
            if (!low[false].empty() && !low[true].empty()) {
                const double a = stat(low[false]).mean, b = stat(low[true]).mean;
                c.findings.push_back(fmt::format(
                    "The {} reached {:.0f}% after {:.0f} steps on average without BN and {:.0f} with BN: "
                    "*{}*.",
                    model_name(kind, false), 100 * d.target_low, a, b,
                    b < a   ? fmt::format("BN needed {:.0f}% fewer steps", 100 * (1 - b / a))
                    : b > a ? fmt::format("BN needed {:.0f}% more steps", 100 * (b / a - 1))
                            : "the same number of steps"));
            }
        }
        // Both networks pooled, each run's steps as a fraction of the run's length (fewer is
        // better, hence negated): the claim is that the with-BN fractions are smaller.
        c.verdict = judge(ratio_bn, ratio_plain);
        c.compared = fmt::format(
            "steps to {:.0f}% as a fraction of the run (mlp and cnn pooled), with BN "
            "against without",
            100 * d.target_low);
        return c;
    };
    return e;
}

}  // namespace nabla::apps
