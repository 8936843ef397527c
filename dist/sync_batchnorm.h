#pragma once
// Synchronized batch normalisation: in training, the statistics of a channel are those of
// the whole global batch, every rank's samples together, as if one process held it.
//
// Forward all-reduces per channel the element count, sum and sum of squares (in double),
// normalises with the global mean and biased variance and folds the global mean and
// unbiased variance (count - 1 in the denominator, count summed over ranks) into the
// running statistics. Backward all-reduces per channel sum(dy) and sum(dy * x_hat) and
// uses the global count in dx; dgamma and dbeta stay local (DataParallel averages them
// like every other gradient). Eval mode, and training without batch statistics, does no
// communication. In a world of one it is nabla::batch_norm, bit for bit. Every rank must
// run every forward and backward, a rank with an empty batch (N = 0) included: it adds
// nothing to the sums but still joins the collectives.
#include "layers/batchnorm.h"

namespace nabla::dist {

// nabla::batch_norm's signature and checks, with the statistics taken over every rank.
Tensor sync_batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                       const Tensor& running_var, const BatchNormArgs& args = {});

// BatchNorm's options, state names and checkpoints; inputs [N, C], [N, C, L] or [N, C, H, W].
class SyncBatchNorm : public nn::BatchNorm {
public:
    explicit SyncBatchNorm(const nn::BatchNormOptions& options);
};

// Makes every BatchNorm in `model` (BatchNorm1d, BatchNorm2d, at any depth) normalise with
// sync_batch_norm, in place: parameters and buffers stay the same tensors, so an optimizer
// already built keeps working. Returns how many layers it converted.
int convert_sync_batchnorm(nn::Module& model);

}  // namespace nabla::dist
