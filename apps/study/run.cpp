#include "apps/study/run.h"

#include "apps/shared/evaluate.h"
#include "apps/shared/progress.h"
#include "apps/shared/train_step.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace nabla::apps {

namespace {

// Input of the last Sigmoid for the fixed images, neuron 0, in eval mode.
PercentilePoint sigmoid_input_percentiles(nn::Sequential& model, const Tensor& images, std::int64_t step) {
    std::int64_t last = -1;
    for (size_t i = 0; i < model.size(); ++i)
        if (model[i].name() == "Sigmoid") last = std::int64_t(i);
    NABLA_CHECK(last > 0, "bn_compare", "percentile tracking needs a model with a Sigmoid layer");
    const bool was_training = model.is_training();
    model.eval();
    NoGradGuard no_grad;
    Tensor h = images.flatten(1);
    for (std::int64_t i = 0; i < last; ++i) h = model[size_t(i)](h);
    model.train(was_training);
    std::vector<double> v(static_cast<size_t>(h.size(0)));
    for (std::int64_t n = 0; n < h.size(0); ++n) v[size_t(n)] = h.data()[n * h.size(1)];
    auto pct = [&](double q) {
        auto k = static_cast<size_t>(std::lround(q * double(v.size() - 1)));
        std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
        return v[k];
    };
    return {step, pct(0.15), pct(0.50), pct(0.85)};
}

}  // namespace

RunResult run_study(const RunSpec& spec, const data::Dataset& train, const data::Dataset& test, bool quiet) {
    RunResult r;
    r.spec = spec;
    r.name = model_name(spec.kind, spec.bn);
    manual_seed(spec.seed);
    auto model = make_model(spec.kind, spec.bn);
    r.parameters = model->parameter_count();
    r.model_repr = model->repr();
    auto opt = make_optimizer(*model, spec.optimizer);
    data::DataLoader loader(
        train, {.batch_size = spec.batch_size, .shuffle = true, .drop_last = true, .seed = spec.seed});
    Tensor fixed_images;
    if (spec.percentile_every > 0) {
        std::vector<std::int64_t> idx(static_cast<size_t>(std::min<std::int64_t>(1000, test.size())));
        std::iota(idx.begin(), idx.end(), 0);
        fixed_images = test.get_batch(idx).x;
    }

    Progress progress(fmt::format("{} {}", spec.experiment, r.name), spec.steps, quiet, 500);
    double interval_loss = 0.0, run_loss = 0.0;
    std::int64_t interval_n = 0, step = 0, correct = 0, seen = 0;
    auto record_evals = [&](std::int64_t s) {
        if (spec.percentile_every > 0 && s % spec.percentile_every == 0)
            r.percentiles.push_back(sigmoid_input_percentiles(*model, fixed_images, s));
        if (s % spec.eval_every == 0 || s == spec.steps) {
            const Evaluation ev = evaluate(*model, test, spec.kind);
            r.evals.push_back({s, ev.accuracy, ev.loss});
        }
    };
    record_evals(0);
    model->train();
    for (int epoch = 0; step < spec.steps && !r.diverged; ++epoch) {
        loader.set_epoch(epoch);
        for (const data::Batch& batch : loader) {
            const auto t0 = std::chrono::steady_clock::now();
            const StepStats s = train_step(*model, *opt, batch, spec.kind);
            if (!s.finite) {  // a diverging run is a result of the comparison, not a failure
                r.diverged = true;
                break;
            }
            r.train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            ++step;
            interval_loss += s.loss;
            run_loss += s.loss;
            correct += s.correct;
            seen += s.count;
            if (++interval_n == spec.log_every) {
                r.loss.push_back({step, interval_loss / double(interval_n)});
                interval_loss = 0.0;
                interval_n = 0;
            }
            progress.update(step, run_loss / double(step), double(correct) / double(seen),
                            double(seen) / std::max(r.train_seconds, 1e-9));
            record_evals(step);
            if (step >= spec.steps) break;
        }
    }
    progress.finish();
    r.steps_done = step;
    const double epochs = double(step * spec.batch_size) / double(train.size());
    r.seconds_per_epoch = epochs > 0 ? r.train_seconds / epochs : 0.0;
    return r;
}

std::int64_t steps_to_accuracy(const RunResult& r, double threshold) {
    for (const auto& e : r.evals)
        if (e.accuracy >= threshold) return e.step;
    return -1;
}

double final_accuracy(const RunResult& r) { return r.evals.empty() ? 0.0 : r.evals.back().accuracy; }

double best_accuracy(const RunResult& r) {
    double b = 0.0;
    for (const auto& e : r.evals) b = std::max(b, e.accuracy);
    return b;
}

}  // namespace nabla::apps
