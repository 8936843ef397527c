#include "apps/study/train.h"

#include "apps/shared/evaluate.h"

#include <chrono>
#include <cmath>

namespace nabla::apps {

void train(const TrainSpec& spec, const data::Dataset& train_set, const data::Dataset& test_set,
           RunResult& out) {
    manual_seed(spec.seed);
    auto model = spec.model();
    auto opt = make_optimizer(*model, spec.optimizer);
    data::DataLoader loader(
        train_set, {.batch_size = spec.batch_size, .shuffle = true, .drop_last = true, .seed = spec.seed});
    Curve& err = out.curves["test_error"];
    Curve& loss_curve = out.curves["train_loss"];
    double best = 0.0, last = 0.0, interval = 0.0, train_seconds = 0.0;
    std::int64_t interval_n = 0, step = 0;
    bool diverged = false;
    auto evaluate_now = [&] {
        const Evaluation ev = evaluate(*model, test_set, spec.input, spec.eval_limit);
        err.add(double(step), 1.0 - ev.accuracy);
        best = std::max(best, ev.accuracy);
        last = ev.accuracy;
    };
    evaluate_now();
    model->train();
    for (int epoch = 0; step < spec.steps && !diverged; ++epoch) {
        loader.set_epoch(epoch);
        for (const data::Batch& batch : loader) {
            const auto t0 = std::chrono::steady_clock::now();
            Tensor h = model_input(batch.x, spec.input);
            if (spec.inspect) {
                for (size_t i = 0; i < model->size(); ++i) {
                    spec.inspect(step, i, (*model)[i], h);
                    h = (*model)[i](h);
                }
            } else {
                h = (*model)(h);
            }
            const Tensor loss = nn::cross_entropy(h, batch.y);
            const float value = loss.item();
            if (!std::isfinite(value)) {  // a diverged run is a result, not a failure
                diverged = true;
                break;
            }
            opt->zero_grad();
            loss.backward();
            if (spec.after_backward) spec.after_backward(step, *model);
            opt->step();
            train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            ++step;
            interval += value;
            if (++interval_n == spec.log_every) {
                loss_curve.add(double(step), interval / double(interval_n));
                interval = 0.0;
                interval_n = 0;
            }
            if (step % spec.eval_every == 0 || step == spec.steps) evaluate_now();
            if (step >= spec.steps) break;
        }
    }
    if (diverged) last = 0.0;  // a diverged network predicts nothing useful
    out.values["final_accuracy"] = last;
    out.values["best_accuracy"] = best;
    out.values["steps_done"] = double(step);
    out.values["diverged"] = diverged ? 1.0 : 0.0;
    out.values["parameters"] = double(model->parameter_count());
    out.values["seconds_per_step"] = step > 0 ? train_seconds / double(step) : 0.0;
    if (spec.finish) spec.finish(*model, out);
}

double steps_to_accuracy(const RunResult& r, double accuracy, double never) {
    const auto it = r.curves.find("test_error");
    if (it == r.curves.end()) return never;
    for (size_t i = 0; i < it->second.x.size(); ++i)
        if (1.0 - it->second.y[i] >= accuracy - 1e-12) return it->second.x[i];
    return never;
}

}  // namespace nabla::apps
