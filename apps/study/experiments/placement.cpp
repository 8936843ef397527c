// Claim 7: BN goes before the activation. The same BN mlp places its BatchNorm before
// each ReLU (the paper's choice) or after it.
#include "apps/study/experiments/experiments.h"

namespace nabla::apps {

Experiment placement_experiment(const StudyData& d, const Scale& s) {
    const std::int64_t steps = s.steps(300, 5000);
    Experiment e{
        .key = "placement",
        .title = "BN goes before the activation",
        .claim =
            "BatchNorm placed between the linear layer and the activation trains better than "
            "BatchNorm placed after the activation.",
        .method = fmt::format("The BN mlp trains with BN before each ReLU and with BN after it (the "
                              "Linear then keeps its bias), SGD with momentum 0.9 at lr 0.01, batch 64, "
                              "{} steps.",
                              steps)};
    const auto seeds = s.seed_list(3, 3);
    std::map<bool, std::vector<std::string>> ids;
    for (bool after : {false, true}) {
        const MlpOptions o{.norm = Norm::batch, .norm_after_activation = after};
        ids[after] = add_runs(
            e, after ? "bn_after" : "bn_before", after ? "BN after ReLU" : "BN before ReLU", seeds, 1.0,
            [=](std::uint64_t seed) {
                return TrainSpec{.model = [=] { return make_mlp(o); },
                                 .optimizer = {.name = "momentum", .lr = 0.01f, .momentum = 0.9f},
                                 .steps = steps,
                                 .eval_every = std::max<std::int64_t>(1, steps / 8),
                                 .seed = seed};
            },
            d.train, d.test);
        e.networks.push_back(
            {after ? "mlp_bn_after" : "mlp_bn", describe_mlp(o), count_parameters(make_mlp(o))});
    }
    e.report = [=](const Results& r) {
        ClaimSection c;
        c.table.header = {"BN", "final test accuracy", "best test accuracy"};
        Chart chart{.title = "BN before or after the ReLU",
                    .x_label = "training step",
                    .y_label = "test error (log scale)",
                    .log_y = true};
        for (bool after : {false, true}) {
            const auto& v = ids.at(after);
            c.table.rows.push_back({after ? "after the ReLU" : "before the ReLU",
                                    percent(stat(values(r, v, "final_accuracy"))),
                                    percent(stat(values(r, v, "best_accuracy")))});
            chart.series.push_back(mean_band(after ? "BN after ReLU" : "BN before ReLU",
                                             after ? "#ff7f0e" : kWithBn, runs(r, v), "test_error", after));
        }
        c.figures.push_back({render_svg(chart),
                             "Test error with BN before (blue) and after (orange) the ReLU, mean "
                             "over seeds with the min-max band. Look for the blue line below."});
        c.verdict =
            judge(values(r, ids.at(false), "final_accuracy"), values(r, ids.at(true), "final_accuracy"));
        c.compared = "final test accuracy, BN before the ReLU against after";
        c.findings.push_back(
            fmt::format("BN before the ReLU ended {:+.2f} points of test accuracy from BN after it.",
                        100 * c.verdict.difference));
        return c;
    };
    return e;
}

}  // namespace nabla::apps
