// Claim 4: Ioffe & Szegedy (2015), Figure 1. Their MNIST network (three sigmoid layers of
// 100, batch 60) trains with and without BN; (a) test accuracy over the steps, (b, c) the
// 15th, 50th and 85th percentiles of the input to one last-hidden-layer sigmoid.
#include "apps/study/experiments/experiments.h"

#include <algorithm>
#include <cmath>

namespace nabla::apps {

Experiment ioffe_experiment(const StudyData& d, const Scale& s) {
    const std::int64_t steps = s.steps(2000, 50000);
    const std::int64_t every = std::max<std::int64_t>(1, steps / 100);
    Experiment e{
        .key = "ioffe",
        .title = "Ioffe & Szegedy 2015, Figure 1",
        .claim =
            "With BatchNorm the sigmoid network of the paper trains faster to a higher accuracy, "
            "and the distribution its sigmoids receive stays stable over training.",
        .method = fmt::format(
            "The 784-100-100-100-10 sigmoid network trains with and without BN for {} steps (paper: "
            "50,000; SGD at lr 0.1, batch 60); every {} steps the 15th, 50th and 85th percentiles of "
            "neuron 0's sigmoid input in the last hidden layer are taken over the training batch, as "
            "the network computes it while training (with BN: batch statistics).",
            steps, every)};
    const auto seeds = s.seed_list(2, 3);
    std::map<bool, std::vector<std::string>> ids;
    for (bool bn : {false, true}) {
        ids[bn] = add_runs(
            e, model_name(ModelKind::ioffe, bn), fmt::format("ioffe {} BN", bn ? "with" : "without"), seeds,
            0.5,
            [=](std::uint64_t seed) {
                auto curves = std::make_shared<std::map<std::string, Curve>>();
                auto last_sigmoid = std::make_shared<size_t>(0);
                TrainSpec t{.model = [=] { return make_model(ModelKind::ioffe, bn); },
                            .input = ModelKind::ioffe,
                            .optimizer = {.name = "sgd", .lr = 0.1f, .momentum = {}},
                            .batch_size = 60,
                            .steps = steps,
                            .eval_every = std::max<std::int64_t>(1, steps / 15),
                            .seed = seed};
                t.inspect = [=](std::int64_t step, size_t index, nn::Module& layer, const Tensor& x) {
                    if (layer.name() == "Sigmoid") *last_sigmoid = std::max(*last_sigmoid, index);
                    if (step % every || index != *last_sigmoid || layer.name() != "Sigmoid") return;
                    std::vector<double> v;
                    for (std::int64_t n = 0; n < x.size(0); ++n) v.push_back(x.data()[n * x.size(1)]);
                    std::sort(v.begin(), v.end());
                    auto q = [&](double p) { return v[size_t(std::lround(p * double(v.size() - 1)))]; };
                    (*curves)["p15"].add(double(step), q(0.15));
                    (*curves)["p50"].add(double(step), q(0.50));
                    (*curves)["p85"].add(double(step), q(0.85));
                };
                t.finish = [=](nn::Sequential&, RunResult& out) {
                    for (auto& [k, c] : *curves) out.curves[k] = c;
                };
                return t;
            },
            d.train, d.test);
    }
    e.report = [=](const Results& r) {
        ClaimSection c;
        c.table.header = {"BN", "final test accuracy", "median after 10% of training -> end",
                          "15-85 spread after 10% -> end", "median's range over the last 90%"};
        Chart acc{.title = "(a) test error",
                  .x_label = "training step",
                  .y_label = "test error (log scale)",
                  .log_y = true};
        std::map<bool, std::vector<double>> final_acc, drift;
        std::vector<Figure> percentile_figs;
        for (bool bn : {false, true}) {
            const auto rs = runs(r, ids.at(bn));
            final_acc[bn] = values(r, ids.at(bn), "final_accuracy");
            acc.series.push_back(
                mean_band(bn ? "with BN" : "without BN", bn ? kWithBn : kWithoutBn, rs, "test_error", !bn));
            std::vector<double> m_from, m_to, s_from, s_to;
            for (const RunResult* x : rs) {
                const auto& p15 = x->curves.at("p15").y;
                const auto& p50 = x->curves.at("p50").y;
                const auto& p85 = x->curves.at("p85").y;
                if (p50.empty()) continue;
                const size_t k = p50.size() / 10;  // BN's statistics and the weights have settled a little
                m_from.push_back(p50[k]), m_to.push_back(p50.back());
                s_from.push_back(p85[k] - p15[k]), s_to.push_back(p85.back() - p15.back());
                const auto [lo, hi] = std::minmax_element(p50.begin() + std::ptrdiff_t(k), p50.end());
                drift[bn].push_back(*hi - *lo);
            }
            c.table.rows.push_back({bn ? "with" : "without", percent(stat(final_acc[bn])),
                                    mean_sd(stat(m_from)) + " -> " + mean_sd(stat(m_to)),
                                    mean_sd(stat(s_from)) + " -> " + mean_sd(stat(s_to)),
                                    mean_sd(stat(drift[bn]))});
            if (rs.empty()) continue;
            // The first seed's percentiles: the median as a line, 15th to 85th as the band.
            Series p = mean_band("median, 15th-85th", bn ? kWithBn : kWithoutBn, {rs.front()}, "p50", !bn);
            p.lo = rs.front()->curves.at("p15").y;
            p.hi = rs.front()->curves.at("p85").y;
            Chart pc{
                .title = fmt::format("({}) sigmoid input {} BN", bn ? 'c' : 'b', bn ? "with" : "without"),
                .x_label = "training step",
                .y_label = "input to one last-layer sigmoid",
                .series = {p}};
            percentile_figs.push_back({render_svg(pc), ""});
        }
        c.figures.push_back({render_svg(acc),
                             "Test error on a log scale, mean over seeds with the min-max band "
                             "(the paper's Figure 1a plots accuracy). Look for the blue line "
                             "(with BN) lower and earlier."});
        for (size_t i = 0; i < percentile_figs.size(); ++i)
            percentile_figs[i].caption =
                i == 0 ? "(b) Without BN, the median and the 15th-85th percentile band of one "
                         "sigmoid's input over the training batch (first seed). Look for the "
                         "median drifting as the earlier layers change."
                       : "(c) With BN, the same neuron's input (after BN, with batch "
                         "statistics). Look for a band that stays put.";
        for (auto& f : percentile_figs) c.figures.push_back(f);
        if (!drift[false].empty() && !drift[true].empty())
            c.findings.push_back(fmt::format(
                "After the first 10% of training the median sigmoid input moved over a range of {:.2f} "
                "without BN "
                "and {:.2f} with BN: *the distribution was {} with BN*.",
                stat(drift[false]).mean, stat(drift[true]).mean,
                stat(drift[true]).mean < stat(drift[false]).mean ? "more stable" : "not more stable"));
        for (bool bn : {false, true}) {
            const std::string note = divergence_note(r, ids.at(bn));
            if (!note.empty()) c.findings.push_back(fmt::format("{} BN: {}.", bn ? "With" : "Without", note));
        }
        c.verdict = judge(final_acc[true], final_acc[false]);
        c.compared = "final test accuracy with BN against without";
        return c;
    };
    for (bool bn : {false, true})
        e.networks.push_back(
            {model_name(ModelKind::ioffe, bn),
             bn ? "784-100-100-100-10, BN before each sigmoid" : "784-100-100-100-10, sigmoid",
             count_parameters(make_model(ModelKind::ioffe, bn))});
    return e;
}

}  // namespace nabla::apps
