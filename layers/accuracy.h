#pragma once
// Classification accuracy, the number a training script reports at the end:
//   double acc = nn::accuracy(model, data::DataLoader(test, {.batch_size = 1000}));
// `batches` is any range whose elements unpack as [x, y] (a data::DataLoader, a
// std::vector<data::Batch>, ...): the model maps x to logits [B, classes], y holds the
// class indices [B] as floats. The model runs in eval mode under NoGradGuard (BatchNorm
// uses its running statistics, no tape is recorded) and gets its previous mode back.
#include "autograd/grad_mode.h"
#include "core/error.h"
#include "core/tensor.h"
#include "layers/module.h"

#include <cstdint>

namespace nabla::nn {

// Rows of logits [B, classes] whose largest entry is at the label in y [B].
std::int64_t count_correct(const Tensor& logits, const Tensor& labels);

template <class Batches>
double accuracy(Module& model, Batches&& batches) {
    const bool was_training = model.is_training();
    model.eval();
    NoGradGuard no_grad;
    std::int64_t correct = 0, count = 0;
    try {
        for (auto&& [x, y] : batches) {
            correct += count_correct(model(x), y);
            count += y.numel();
        }
    } catch (...) {
        model.train(was_training);
        throw;
    }
    model.train(was_training);
    NABLA_CHECK(count > 0, "accuracy", "no samples: the batches are empty");
    return static_cast<double>(correct) / static_cast<double>(count);
}

}  // namespace nabla::nn
