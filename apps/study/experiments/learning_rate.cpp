// Claim 2: BN allows much higher learning rates. The mlp trains at log-spaced rates with
// and without BN; per seed, the largest rate whose run still trains is compared.
#include "apps/study/experiments/experiments.h"

#include <cmath>

namespace nabla::apps {

Experiment learning_rate_experiment(const StudyData& d, const Scale& s) {
    const std::vector<float> rates =
        s.full ? std::vector<float>{0.01f, 0.02f, 0.05f, 0.1f, 0.2f, 0.5f, 1.0f, 2.0f, 3.0f}
               : std::vector<float>{0.01f, 0.03f, 0.1f, 0.3f, 1.0f, 3.0f};
    const double trains_at = d.target_low - 0.1;  // "still trains": final test accuracy at least this
    Experiment e{
        .key = "learning_rate",
        .title = "BN allows much higher learning rates",
        .claim = "With BatchNorm a network still trains at learning rates where it diverges without.",
        .method = fmt::format("The mlp trains with and without BN at learning rates from {:g} to {:g} "
                              "(log-spaced, SGD with momentum 0.9, batch 64, {} steps on {} training "
                              "images); a run trains when its final test accuracy is at least {:.0f}%.",
                              rates.front(), rates.back(), s.steps(150, 1500),
                              s.subset(10000, 0) > 0 ? fmt::format("{}", s.subset(10000, 0)) : "all",
                              100 * trains_at)};
    auto train_set = std::make_shared<Subset>(first_n(d.train, s.subset(10000, 0)));
    e.datasets.push_back(train_set);
    const auto seeds = s.seed_list(2, 3);
    std::map<std::pair<bool, float>, std::vector<std::string>> ids;
    for (bool bn : {false, true})
        for (float lr : rates) {
            const std::int64_t steps = s.steps(150, 1500);
            ids[{bn, lr}] = add_runs(
                e, fmt::format("{}_lr{:g}", model_name(ModelKind::mlp, bn), lr),
                fmt::format("mlp {} BN at lr {:g}", bn ? "with" : "without", lr), seeds, 1.0,
                [=](std::uint64_t seed) {
                    return TrainSpec{.model = [=] { return make_model(ModelKind::mlp, bn); },
                                     .optimizer = {.name = "momentum", .lr = lr, .momentum = 0.9f},
                                     .steps = steps,
                                     .eval_every = std::max<std::int64_t>(1, steps / 6),
                                     .seed = seed};
                },
                *train_set, d.test);
        }
    e.report = [=](const Results& r) {
        ClaimSection c;
        c.table.header = {"learning rate", "final test accuracy without BN", "with BN"};
        Chart chart{.title = "mlp: final test error against the learning rate",
                    .x_label = "learning rate (log scale)",
                    .y_label = "final test error (log scale)",
                    .log_x = true,
                    .log_y = true};
        std::map<bool, std::vector<double>> largest;  // per seed: log10 of the largest rate that trains
        for (bool bn : {false, true}) {
            Series ser{.label = bn ? "with BN" : "without BN",
                       .color = bn ? kWithBn : kWithoutBn,
                       .dashed = !bn,
                       .markers = true};
            std::vector<double> best(seeds.size(), std::log10(rates.front() / 3.0));  // none trained
            for (float lr : rates) {
                const auto acc = values(r, ids.at({bn, lr}), "final_accuracy");
                if (acc.empty()) continue;
                const Stat st = stat(acc);
                ser.x.push_back(lr), ser.y.push_back(1 - st.mean), ser.lo.push_back(1 - st.max),
                    ser.hi.push_back(1 - st.min);
                for (size_t i = 0; i < acc.size() && i < best.size(); ++i)
                    if (acc[i] >= trains_at) best[i] = std::max(best[i], std::log10(double(lr)));
            }
            for (size_t i = 0; i < seeds.size(); ++i)
                if (!values(r, ids.at({bn, rates.front()}), "final_accuracy").empty())
                    largest[bn].push_back(best[i]);
            chart.series.push_back(ser);
        }
        for (float lr : rates) {
            auto cell = [&](bool bn) {
                const auto& v = ids.at({bn, lr});
                std::string out = percent(stat(values(r, v, "final_accuracy")));
                const auto div = values(r, v, "diverged");
                const auto n = std::count(div.begin(), div.end(), 1.0);
                return n ? out + fmt::format(" ({} of {} diverged)", n, div.size()) : out;
            };
            c.table.rows.push_back({fmt::format("{:g}", lr), cell(false), cell(true)});
        }
        c.figures.push_back(
            {render_svg(chart),
             "Final test error at each learning rate, mean over seeds with the min-max band; a "
             "diverged run counts as 100% error. Look for the rate where each line shoots up: "
             "the blue one (with BN) should do so further right."});
        for (bool bn : {false, true}) {
            const Stat st = stat(largest[bn]);
            if (st.n == 0) continue;
            c.findings.push_back(fmt::format(
                "{} BN the largest rate that still trained was {:g} on average over seeds (from {:g} "
                "to {:g}).",
                bn ? "With" : "Without", std::pow(10.0, st.mean), std::pow(10.0, st.min),
                std::pow(10.0, st.max)));
            std::vector<std::string> all;
            for (float lr : rates) all.insert(all.end(), ids.at({bn, lr}).begin(), ids.at({bn, lr}).end());
            const std::string note = divergence_note(r, all);
            if (!note.empty())
                c.findings.push_back(fmt::format("{} BN, {} over the sweep.", bn ? "With" : "Without", note));
        }
        c.verdict = judge(largest[true], largest[false]);
        c.compared =
            "log10 of the largest learning rate that still trains, per seed, with BN against without";
        return c;
    };
    e.networks.push_back(
        {"mlp", "784-256-256-10, ReLU", count_parameters(make_model(ModelKind::mlp, false))});
    e.networks.push_back({"mlp_bn", "784-256-256-10, BN before each ReLU",
                          count_parameters(make_model(ModelKind::mlp, true))});
    return e;
}

}  // namespace nabla::apps
