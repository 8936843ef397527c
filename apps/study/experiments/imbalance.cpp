// Claim 9: on a strongly imbalanced binary task BN can hurt. "Is it a zero?" on the
// training images with the zeros subsampled to 1% of the set (99:1); balanced accuracy
// and AUC on the test images (their natural ~10% of zeros), with and without BN.
#include "apps/study/experiments/experiments.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace nabla::apps {

namespace {
struct BinaryScores {
    double balanced_accuracy = 0, auc = 0;
};
// Score = logit(positive) - logit(negative), in eval mode, over the first `limit` images.
BinaryScores binary_scores(nn::Sequential& m, const data::Dataset& test, std::int64_t limit) {
    NoGradGuard no_grad;
    m.eval();
    const std::int64_t n = std::min(limit, test.size());
    std::vector<std::pair<double, int>> scored;
    for (std::int64_t start = 0; start < n; start += 200) {
        std::vector<std::int64_t> idx(size_t(std::min<std::int64_t>(200, n - start)));
        std::iota(idx.begin(), idx.end(), start);
        const data::Batch b = test.get_batch(idx);
        const Tensor logits = m(b.x.flatten(1));
        for (std::int64_t i = 0; i < b.y.numel(); ++i)
            scored.push_back({double(logits.data()[2 * i + 1]) - logits.data()[2 * i], int(b.y.data()[i])});
    }
    double tp = 0, tn = 0, pos = 0, neg = 0;
    for (auto [score, label] : scored) {
        (label ? pos : neg) += 1;
        if (label && score > 0) tp += 1;
        if (!label && score <= 0) tn += 1;
    }
    // AUC: the Mann-Whitney statistic, ties counted half.
    std::sort(scored.begin(), scored.end());
    double rank_sum = 0;
    for (size_t i = 0; i < scored.size();) {
        size_t j = i;
        while (j < scored.size() && scored[j].first == scored[i].first) ++j;
        const double rank = 0.5 * double(i + j + 1);  // mean of ranks i+1 .. j
        for (size_t k = i; k < j; ++k)
            if (scored[k].second) rank_sum += rank;
        i = j;
    }
    BinaryScores s;
    if (pos > 0 && neg > 0) {
        s.balanced_accuracy = 0.5 * (tp / pos + tn / neg);
        s.auc = (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
    }
    return s;
}
}  // namespace

Experiment imbalance_experiment(const StudyData& d, const Scale& s) {
    const std::int64_t pool = s.subset(12000, 0), steps = s.steps(200, 3000), limit = s.full ? 10000 : 1000;
    // The negatives of the pool and enough zeros to make 1% of the set.
    const Subset first = first_n(d.train, pool);
    std::vector<std::int64_t> idx(size_t(first.size()));
    std::iota(idx.begin(), idx.end(), 0);
    const data::Batch all = first.get_batch(idx);
    std::vector<std::int64_t> neg, pos;
    for (std::int64_t i = 0; i < all.y.numel(); ++i) (all.y.data()[i] == 0.0f ? pos : neg).push_back(i);
    const auto keep = std::max<size_t>(1, size_t(std::lround(double(neg.size()) / 99.0)));
    pos.resize(std::min(pos.size(), keep));
    std::vector<std::int64_t> chosen = neg;
    chosen.insert(chosen.end(), pos.begin(), pos.end());
    std::sort(chosen.begin(), chosen.end());
    auto subset = std::make_shared<Subset>(d.train, chosen);
    auto train_set = std::make_shared<OneVsRest>(*subset, 0);
    auto test_set = std::make_shared<OneVsRest>(d.test, 0);
    Experiment e{
        .key = "imbalance",
        .title = "On a 99:1 binary task BN can hurt",
        .claim =
            "On a strongly imbalanced binary task BatchNorm hurts, since most batches hold almost no "
            "positives and the batch statistics are the negatives'.",
        .method = fmt::format("\"Is it a zero?\": {} training images of which {} zeros ({:.1f}%); the "
                              "mlp with two outputs trains with and without BN (SGD with momentum 0.9 at "
                              "lr 0.01, batch 64, {} steps) and is scored on {} test images by balanced "
                              "accuracy and AUC.",
                              chosen.size(), pos.size(), 100.0 * double(pos.size()) / double(chosen.size()),
                              steps, limit)};
    e.datasets = {subset, train_set, test_set};
    const auto seeds = s.seed_list(3, 5);
    std::map<bool, std::vector<std::string>> ids;
    for (bool bn : {false, true}) {
        const MlpOptions o{.norm = bn ? Norm::batch : Norm::none, .outputs = 2};
        ids[bn] = add_runs(
            e, bn ? "mlp_bn" : "mlp", fmt::format("zero-or-not {} BN", bn ? "with" : "without"), seeds, 1.0,
            [=](std::uint64_t seed) {
                TrainSpec t{.model = [=] { return make_mlp(o); },
                            .optimizer = {.name = "momentum", .lr = 0.01f, .momentum = 0.9f},
                            .steps = steps,
                            .eval_every = std::max<std::int64_t>(1, steps / 5),
                            .eval_limit = limit,
                            .seed = seed};
                t.finish = [=](nn::Sequential& m, RunResult& out) {
                    const BinaryScores b = binary_scores(m, *test_set, limit);
                    out.values["balanced_accuracy"] = b.balanced_accuracy;
                    out.values["auc"] = b.auc;
                };
                return t;
            },
            *train_set, *test_set);
        e.networks.push_back({bn ? "binary_bn" : "binary", describe_mlp(o), count_parameters(make_mlp(o))});
    }
    e.report = [=](const Results& r) {
        ClaimSection c;
        c.table.header = {"BN", "balanced accuracy", "AUC", "plain accuracy"};
        for (bool bn : {false, true})
            c.table.rows.push_back({bn ? "with" : "without",
                                    percent(stat(values(r, ids.at(bn), "balanced_accuracy"))),
                                    mean_sd(stat(values(r, ids.at(bn), "auc")), 1.0, 4),
                                    percent(stat(values(r, ids.at(bn), "final_accuracy")))});
        Chart chart{.title = "zero or not: test error",
                    .x_label = "training step",
                    .y_label = "test error (log scale)",
                    .log_y = true};
        for (bool bn : {false, true})
            chart.series.push_back(mean_band(bn ? "with BN" : "without BN", bn ? kWithBn : kWithoutBn,
                                             runs(r, ids.at(bn)), "test_error", !bn));
        c.figures.push_back({render_svg(chart),
                             "Plain test error of the zero-or-not classifier (about 10% of the "
                             "test images are zeros, so predicting 'not a zero' always scores "
                             "10% error). Look for a line stuck near 0.1: a network that "
                             "ignores the rare class."});
        const auto ba_plain = values(r, ids.at(false), "balanced_accuracy"),
                   ba_bn = values(r, ids.at(true), "balanced_accuracy");
        if (!ba_plain.empty() && !ba_bn.empty())
            c.findings.push_back(fmt::format("Balanced accuracy was {} without BN and {} with BN.",
                                             percent(stat(ba_plain)), percent(stat(ba_bn))));
        c.verdict = judge(values(r, ids.at(false), "auc"), values(r, ids.at(true), "auc"));
        c.compared = "test AUC without BN against with BN (the claim: BN lowers it)";
        return c;
    };
    return e;
}

}  // namespace nabla::apps
