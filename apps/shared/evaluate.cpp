#include "apps/shared/evaluate.h"

#include <algorithm>
#include <vector>

namespace nabla::apps {

Evaluation evaluate(nn::Module& model, const data::Dataset& dataset, ModelKind kind, std::int64_t limit,
                    std::int64_t batch_size, EvalShard shard) {
    const bool was_training = model.is_training();
    model.eval();
    NoGradGuard no_grad;
    const std::int64_t total = limit > 0 ? std::min(limit, dataset.size()) : dataset.size();
    std::vector<std::int64_t> mine;
    for (std::int64_t i = shard.rank; i < total; i += shard.ranks) mine.push_back(i);
    const auto n = std::int64_t(mine.size());
    Evaluation ev;
    double loss_sum = 0.0;
    std::int64_t correct = 0;
    std::vector<std::int64_t> idx;
    for (std::int64_t start = 0; start < n; start += batch_size) {
        idx.assign(mine.begin() + start, mine.begin() + std::min(n, start + batch_size));
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
