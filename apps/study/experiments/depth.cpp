// Depth: past some depth a plain CNN trains worse; residual blocks and BN are how deep
// networks train. The ResNet of layers/resnet.h and the same layers without the skips
// ("plain") train at two depths (three in --full), each with and without BN.
#include "apps/study/experiments/experiments.h"

#include <array>

namespace nabla::apps {

namespace {
// The ResNet of layers/resnet.h (or its plain twin) at the study's widths.
std::shared_ptr<nn::Sequential> make_net(std::int64_t depth, bool plain, bool bn,
                                         const std::array<std::int64_t, 3>& widths) {
    auto m = std::make_shared<nn::Sequential>();
    m->append(nn::ResNet({.depth = depth, .widths = widths, .batch_norm = bn, .plain = plain}));
    return m;
}

double final_train_loss(const RunResult& r) {
    const auto it = r.curves.find("train_loss");
    return it == r.curves.end() || it->second.y.empty() ? std::nan("") : it->second.y.back();
}
}  // namespace

Experiment depth_experiment(const StudyData& d, const Scale& s) {
    const std::vector<std::int64_t> depths =
        s.full ? std::vector<std::int64_t>{8, 20, 32} : std::vector<std::int64_t>{8, 20};
    // Quick: 400 steps. At 80 the networks without BN had not left the chance loss (2.30) and
    // the table tested nothing; 400 cost 71 s for all 16 runs on a 2-core AMD EPYC.
    const std::int64_t images = s.subset(3000, 20000), steps = s.steps(400, 1500),
                       limit = s.full ? 5000 : 500;
    const std::int64_t batch = s.full ? 32 : 16;
    // Half the channels of the ResNet paper's CIFAR widths (16, 32, 64), a quarter of the cost:
    // at the paper's widths the 24 runs of --full alone were estimated at 98 minutes, half of
    // the whole study's two-hour budget, and the claim is about depth, not width.
    const std::array<std::int64_t, 3> widths{8, 16, 32};
    Experiment e{
        .key = "depth",
        .title = "Deeper plain networks train worse; residuals and BN fix it",
        .claim =
            "A deeper plain CNN trains worse than a shallower one, while residual connections and "
            "BatchNorm let the deeper network train as well or better.",
        .method = fmt::format("The ResNet ({} layers: a 3x3 stem, three stages of BasicBlocks at {} "
                              "channels, global average pooling, a linear head) and the same layers "
                              "without the skips train with and without BN on {} images (SGD with "
                              "momentum 0.9 at lr 0.02, batch {}, {} steps); the training loss over the "
                              "last steps is compared.",
                              fmt::join(depths, ", "), fmt::join(widths, ", "), images, batch, steps)};
    auto train_set = std::make_shared<Subset>(first_n(d.train, images));
    e.datasets.push_back(train_set);
    const auto seeds = s.seed_list(2, 2);
    using Key = std::tuple<bool, bool, std::int64_t>;  // plain, bn, depth
    std::map<Key, std::vector<std::string>> ids;
    for (bool plain : {true, false})
        for (bool bn : {false, true})
            for (std::int64_t depth : depths) {
                const ResNetShape shape{.depth = depth, .plain = plain};
                const std::string name = model_name(ModelKind::resnet, bn, shape);
                ids[{plain, bn, depth}] = add_runs(
                    e, name, name, seeds, 1.5 * double(depth * widths[0]) / 8.0,
                    [=](std::uint64_t seed) {
                        return TrainSpec{
                            .model = [=] { return make_net(depth, plain, bn, widths); },
                            .input = ModelKind::resnet,
                            .optimizer = {.name = "momentum", .lr = 0.02f, .momentum = 0.9f},
                            .batch_size = batch,
                            .steps = steps,
                            .eval_every = std::max<std::int64_t>(1, steps / 2),
                            .eval_limit = limit,
                            .log_every = std::max<std::int64_t>(1, std::min<std::int64_t>(20, steps / 6)),
                            .seed = seed};
                    },
                    *train_set, d.test);
                e.networks.push_back(
                    {name,
                     fmt::format("{} layers, {}{}", depth, plain ? "no skips" : "residual blocks",
                                 bn ? ", BN in every block" : ""),
                     count_parameters(make_net(depth, plain, bn, widths))});
            }
    e.report = [=](const Results& r) {
        ClaimSection c;
        c.table.header = {"network", "BN", "depth", "final training loss", "final test accuracy"};
        std::map<Key, std::vector<double>> loss;
        for (const auto& [k, v] : ids) {
            const auto [plain, bn, depth] = k;
            for (const RunResult* x : runs(r, v)) loss[k].push_back(final_train_loss(*x));
            c.table.rows.push_back({plain ? "plain" : "ResNet", bn ? "with" : "without",
                                    fmt::format("{}", depth), mean_sd(stat(loss[k]), 1.0, 3),
                                    percent(stat(values(r, v, "final_accuracy")))});
        }
        for (bool plain : {true, false}) {
            Chart chart{.title = fmt::format("{}: training loss", plain ? "plain CNN" : "ResNet"),
                        .x_label = "training step",
                        .y_label = "training loss (log scale)",
                        .log_y = true};
            for (bool bn : {false, true})
                for (std::int64_t depth : {depths.front(), depths.back()})
                    chart.series.push_back(
                        mean_band(fmt::format("{} layers {} BN", depth, bn ? "with" : "without"),
                                  bn ? kWithBn : kWithoutBn, runs(r, ids.at({plain, bn, depth})),
                                  "train_loss", depth == depths.back()));
            c.figures.push_back(
                {render_svg(chart),
                 fmt::format("Training loss of the {} at {} (solid) and {} layers (dashed), mean over "
                             "seeds with the min-max band. Look for the dashed line above the solid "
                             "one of the same colour: the deeper network training worse.",
                             plain ? "plain CNN" : "ResNet", depths.front(), depths.back())});
        }
        for (bool plain : {true, false})
            for (bool bn : {false, true}) {
                const Stat a = stat(loss[{plain, bn, depths.front()}]),
                           b = stat(loss[{plain, bn, depths.back()}]);
                if (a.n && b.n)
                    c.findings.push_back(fmt::format(
                        "{} {} BN: training loss {:.3f} at {} layers and {:.3f} at {}, "
                        "*the deeper one trained {}*.",
                        plain ? "Plain" : "ResNet", bn ? "with" : "without", a.mean, depths.front(), b.mean,
                        depths.back(), b.mean > a.mean ? "worse" : "as well or better"));
            }
        c.verdict = judge(loss[{true, false, depths.back()}], loss[{true, false, depths.front()}]);
        c.compared = fmt::format("final training loss of the plain CNN without BN, {} layers against {}",
                                 depths.back(), depths.front());
        return c;
    };
    return e;
}

}  // namespace nabla::apps
