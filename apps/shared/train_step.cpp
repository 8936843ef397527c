#include "apps/shared/train_step.h"

#include <cmath>

namespace nabla::apps {

StepStats train_step(nn::Module& model, optim::Optimizer& opt, const data::Batch& batch, ModelKind kind) {
    const Tensor logits = model(model_input(batch.x, kind));
    const Tensor loss = nn::cross_entropy(logits, batch.y);
    const float value = loss.item();
    if (!std::isfinite(value)) return {value, false, 0, batch.y.numel()};
    opt.zero_grad();
    loss.backward();
    opt.step();
    return {value, true, nn::count_correct(logits, batch.y), batch.y.numel()};
}

}  // namespace nabla::apps
