// Claim 5: small batches hurt BN. The mlp trains with BatchNorm, GroupNorm, LayerNorm and
// no normalisation at batch sizes from 2 to 128 for the same number of epochs; for BN the
// test accuracy with batch statistics is set against the one with running statistics.
#include "apps/study/experiments/experiments.h"

#include <cmath>

namespace nabla::apps {

namespace {
// Test accuracy with the batch statistics: training mode (no gradients), test batches of
// the training batch size. Runs last: it moves BN's running estimates.
double batch_statistics_accuracy(nn::Sequential& m, const data::Dataset& test, std::int64_t batch,
                                 std::int64_t limit) {
    NoGradGuard no_grad;
    m.train();
    const std::int64_t n = std::min(limit, test.size()) / batch * batch;
    std::int64_t correct = 0;
    std::vector<std::int64_t> idx(static_cast<size_t>(batch));
    for (std::int64_t start = 0; start < n; start += batch) {
        for (std::int64_t i = 0; i < batch; ++i) idx[size_t(i)] = start + i;
        const data::Batch b = test.get_batch(idx);
        correct += nn::count_correct(m(b.x.flatten(1)), b.y);
    }
    return n ? double(correct) / double(n) : 0.0;
}
}  // namespace

Experiment batch_size_experiment(const StudyData& d, const Scale& s) {
    const std::vector<std::int64_t> sizes = s.full ? std::vector<std::int64_t>{2, 4, 8, 16, 32, 64, 128}
                                                   : std::vector<std::int64_t>{2, 8, 32, 128};
    const std::int64_t images = s.subset(1024, 10000), epochs = s.full ? 3 : 2;
    Experiment e{
        .key = "batch_size",
        .title = "Small batches hurt BN",
        .claim =
            "BatchNorm loses more accuracy than GroupNorm when the batch gets small, because a "
            "few samples give noisy statistics.",
        .method = fmt::format(
            "The mlp trains with BatchNorm, GroupNorm (groups of 16), LayerNorm and no normalisation at "
            "batch sizes {} for {} epochs of {} images each; the learning rate follows the square-root "
            "rule lr = 0.1 x sqrt(B / 128) (SGD with momentum 0.9), so every batch size sees the same "
            "gradient noise scale.",
            fmt::join(sizes, ", "), epochs, images)};
    auto train_set = std::make_shared<Subset>(first_n(d.train, images));
    e.datasets.push_back(train_set);
    const auto seeds = s.seed_list(2, 3);
    const std::vector<Norm> norms{Norm::batch, Norm::group, Norm::layer, Norm::none};
    std::map<std::pair<Norm, std::int64_t>, std::vector<std::string>> ids;
    const std::int64_t limit = s.full ? 10000 : 1000;
    for (Norm n : norms)
        for (std::int64_t b : sizes) {
            const MlpOptions o{.norm = n};
            const std::int64_t steps =
                s.steps(epochs * train_set->size() / b, epochs * train_set->size() / b);
            ids[{n, b}] = add_runs(
                e, fmt::format("{}_batch{}", n == Norm::none ? "none" : norm_name(n), b),
                fmt::format("{} at batch {}", norm_name(n), b), seeds,
                std::max<double>(double(b), 16.0) / double(b),
                [=](std::uint64_t seed) {
                    TrainSpec t{.model = [=] { return make_mlp(o); },
                                .optimizer = {.name = "momentum",
                                              .lr = 0.1f * float(std::sqrt(double(b) / 128.0)),
                                              .momentum = 0.9f},
                                .batch_size = b,
                                .steps = std::max<std::int64_t>(1, steps),
                                .eval_every = std::max<std::int64_t>(1, steps / 4),
                                .eval_limit = limit,
                                .seed = seed};
                    if (n == Norm::batch)
                        t.finish = [=, &test = d.test](nn::Sequential& m, RunResult& out) {
                            out.values["batch_stat_accuracy"] = batch_statistics_accuracy(m, test, b, limit);
                        };
                    return t;
                },
                *train_set, d.test);
        }
    e.report = [=](const Results& r) {
        ClaimSection c;
        c.table.header = {"batch size"};
        for (Norm n : norms) c.table.header.push_back(norm_name(n));
        c.table.header.push_back("BN with batch statistics");
        Chart chart{.title = "final test error against the batch size",
                    .x_label = "batch size (log scale)",
                    .y_label = "final test error (log scale)",
                    .log_x = true,
                    .log_y = true};
        const std::map<Norm, const char*> colors{{Norm::batch, kWithBn},
                                                 {Norm::group, kGroupNorm},
                                                 {Norm::layer, kLayerNorm},
                                                 {Norm::none, kWithoutBn}};
        for (Norm n : norms) {
            Series ser{
                .label = norm_name(n), .color = colors.at(n), .dashed = n == Norm::none, .markers = true};
            for (std::int64_t b : sizes) {
                const auto v = values(r, ids.at({n, b}), "final_accuracy");
                if (v.empty()) continue;
                const Stat st = stat(v);
                ser.x.push_back(double(b)), ser.y.push_back(1 - st.mean), ser.lo.push_back(1 - st.max),
                    ser.hi.push_back(1 - st.min);
            }
            chart.series.push_back(ser);
        }
        for (std::int64_t b : sizes) {
            std::vector<std::string> row{fmt::format("{}", b)};
            for (Norm n : norms) row.push_back(percent(stat(values(r, ids.at({n, b}), "final_accuracy"))));
            row.push_back(percent(stat(values(r, ids.at({Norm::batch, b}), "batch_stat_accuracy"))));
            c.table.rows.push_back(row);
        }
        c.figures.push_back({render_svg(chart),
                             "Final test error of each normalisation at each batch size, mean "
                             "over seeds with the min-max band. Look at the left end: the blue "
                             "line (BatchNorm) should rise above the green one (GroupNorm) as "
                             "the batch shrinks."});
        // Per seed: the accuracy lost from the largest to the smallest batch.
        auto drop = [&](Norm n) {
            const auto big = values(r, ids.at({n, sizes.back()}), "final_accuracy");
            const auto small = values(r, ids.at({n, sizes.front()}), "final_accuracy");
            std::vector<double> out;
            for (size_t i = 0; i < std::min(big.size(), small.size()); ++i) out.push_back(big[i] - small[i]);
            return out;
        };
        const auto bn_drop = drop(Norm::batch), gn_drop = drop(Norm::group);
        for (Norm n : norms) {
            const Stat st = stat(drop(n));
            if (st.n)
                c.findings.push_back(
                    fmt::format("{} lost {:.2f} points of test accuracy from batch {} to batch {}.",
                                norm_name(n), 100 * st.mean, sizes.back(), sizes.front()));
        }
        const auto gap_run = values(r, ids.at({Norm::batch, sizes.front()}), "final_accuracy");
        const auto gap_batch = values(r, ids.at({Norm::batch, sizes.front()}), "batch_stat_accuracy");
        if (!gap_run.empty() && !gap_batch.empty())
            c.findings.push_back(
                fmt::format("At batch {} BN scored {} with its running statistics (eval mode) and {} when "
                            "every test batch "
                            "of {} was normalised by its own statistics.",
                            sizes.front(), percent(stat(gap_run)), percent(stat(gap_batch)), sizes.front()));
        c.verdict = judge(bn_drop, gn_drop);
        c.compared =
            fmt::format("accuracy lost from batch {} to batch {}, per seed, BatchNorm against GroupNorm",
                        sizes.back(), sizes.front());
        return c;
    };
    for (Norm n : {Norm::group, Norm::layer}) {
        const MlpOptions o{.norm = n};
        e.networks.push_back({fmt::format("mlp_{}", n == Norm::group ? "gn" : "ln"), describe_mlp(o),
                              count_parameters(make_mlp(o))});
    }
    return e;
}

}  // namespace nabla::apps
