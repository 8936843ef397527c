#include "apps/shared/evaluate.h"

#include <algorithm>
#include <numeric>
#include <vector>

namespace nabla::apps {

Evaluation evaluate(nn::Module& model, const data::Dataset& dataset, ModelKind kind, std::int64_t limit,
                    std::int64_t batch_size) {
    const bool was_training = model.is_training();
    model.eval();
    NoGradGuard no_grad;
    const std::int64_t n = limit > 0 ? std::min(limit, dataset.size()) : dataset.size();
    Evaluation ev;
    double loss_sum = 0.0;
    std::int64_t correct = 0;
    std::vector<std::int64_t> idx;
    for (std::int64_t start = 0; start < n; start += batch_size) {
        idx.resize(size_t(std::min(batch_size, n - start)));
        std::iota(idx.begin(), idx.end(), start);
        const data::Batch b = dataset.get_batch(idx);
        const Tensor logits = model(model_input(b.x, kind));
        loss_sum += nn::cross_entropy(logits, b.y, Reduction::sum).item();
        correct += nn::count_correct(logits, b.y);
    }
    model.train(was_training);
    ev.count = n;
    ev.loss = n ? loss_sum / double(n) : 0.0;
    ev.accuracy = n ? double(correct) / double(n) : 0.0;
    return ev;
}

}  // namespace nabla::apps
