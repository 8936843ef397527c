#pragma once
// BatchNorm1d ([N, C] or [N, C, L]) and BatchNorm2d ([N, C, H, W]): one implementation,
// the fused nabla::batch_norm op (autograd/ops.h), statistics per channel over every
// other dimension. PyTorch's semantics and names, so checkpoints map one to one:
//  - parameters "weight" (gamma, init 1) and "bias" (beta, init 0), only if affine;
//  - buffers "running_mean" (init 0), "running_var" (init 1) and "num_batches_tracked",
//    only if track_running_stats;
//  - training: normalise with the batch mean and biased variance; update
//    running = (1 - momentum) * running + momentum * batch_stat, with the unbiased
//    variance (momentum is the weight of the NEW batch; 0 freezes, 1 keeps only the
//    last batch); the update happens in forward, in training mode only. With momentum
//    unset (PyTorch's momentum=None) the running statistics are the cumulative average
//    of every batch seen: momentum = 1 / num_batches_tracked, counting this batch, so
//    the first batch replaces the initial values and a resumed checkpoint continues
//    the average where its counter left off;
//  - eval: normalise with the running statistics; without them (track_running_stats
//    false) batch statistics are used in both modes, as PyTorch does.
// Training on one value per channel (batch of 1 for BatchNorm1d on [N, C]) throws.
// The normalisation itself is a replaceable function (nabla::batch_norm by default), so a
// library above layers/ can change how the statistics are computed without a new layer:
// dist/'s SyncBatchNorm computes them over every process of a data-parallel job.
#include "autograd/ops.h"
#include "layers/module.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace nabla::nn {

struct BatchNormOptions {
    std::int64_t num_features = 0;
    float eps = 1e-5f;
    // Weight of the new batch in the running estimates; std::nullopt for the cumulative average.
    std::optional<float> momentum = 0.1f;
    bool affine = true;
    bool track_running_stats = true;
};

// What a BatchNorm normalises with: nabla::batch_norm's signature and contract.
using BatchNormFn =
    std::function<Tensor(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                         const Tensor& running_var, const BatchNormArgs& args)>;

class BatchNorm : public Module {
public:
    Tensor forward(const Tensor& x) override { return normalise(x, false); }
    // relu(forward(x)) in one pass (nabla::batch_norm_relu): what Sequential runs for a
    // BatchNorm followed by a ReLU.
    Tensor forward_relu(const Tensor& x) { return normalise(x, true); }
    std::string name() const override { return kind_; }
    std::string extra_repr() const override;

    const BatchNormOptions& options() const { return options_; }
    Tensor weight() const { return weight_; }              // gamma; undefined unless affine
    Tensor bias() const { return bias_; }                  // beta; undefined unless affine
    Tensor running_mean() const { return running_mean_; }  // undefined unless tracking
    Tensor running_var() const { return running_var_; }
    Tensor num_batches_tracked() const { return num_batches_tracked_; }  // shape [], a count
    // Back to the initial statistics: mean 0, variance 1, no batches seen.
    void reset_running_stats();
    // Normalise with `fn` from now on, and print as `kind` ("SyncBatchNorm"): the layer's
    // checks, state and running-statistics counter stay as they are.
    void set_batch_norm_fn(BatchNormFn fn, std::string kind);

protected:
    // `kind` names the layer in printing and errors; `ndims` lists the input ranks it takes.
    BatchNorm(std::string kind, std::vector<std::int64_t> ndims, const BatchNormOptions& options);

private:
    std::string label() const;  // "BatchNorm1d(256)", used in error messages
    Tensor normalise(const Tensor& x, bool relu);

    std::string kind_;
    std::vector<std::int64_t> ndims_;
    BatchNormOptions options_;
    Tensor weight_, bias_, running_mean_, running_var_, num_batches_tracked_;
    BatchNormFn fn_;  // empty: nabla::batch_norm
};

class BatchNorm1d : public BatchNorm {
public:
    explicit BatchNorm1d(const BatchNormOptions& options) : BatchNorm("BatchNorm1d", {2, 3}, options) {}
};

class BatchNorm2d : public BatchNorm {
public:
    explicit BatchNorm2d(const BatchNormOptions& options) : BatchNorm("BatchNorm2d", {4}, options) {}
};

}  // namespace nabla::nn
