#pragma once
// Building blocks around BatchNorm.
//
// linear_bn / conv_bn build "layer then BN" with the layer's bias dropped: BN subtracts
// the batch mean per channel, which cancels any per-channel constant, so that bias
// would get a zero gradient and do nothing; BN's beta plays its role. Each returns a
// Sequential of two children, "0" (the layer) and "1" (the BN); append it to a bigger
// Sequential with extend() to keep the names flat ("3.weight", "4.running_mean").
//
// fold_batchnorm returns one Linear/Conv2d (with bias) computing what "layer then BN"
// computes in eval mode, i.e. with the running statistics:
//   s = gamma / sqrt(running_var + eps),  W' = W * s (per output row/filter),
//   b' = beta + (b - running_mean) * s.
#include "layers/batchnorm.h"
#include "layers/conv2d.h"
#include "layers/linear.h"
#include "layers/sequential.h"

#include <cstdint>
#include <memory>

namespace nabla::nn {

// Linear(in, out, bias=false) + BatchNorm1d(out). bn.num_features is set to out.
Sequential linear_bn(std::int64_t in, std::int64_t out, BatchNormOptions bn = {});
// Conv2d(conv with bias=false) + BatchNorm2d(conv.out). bn.num_features is set to conv.out.
Sequential conv_bn(Conv2dOptions conv, BatchNormOptions bn = {});

// The BN must track running statistics and have num_features == the layer's out.
// The result is a new module in the layer's mode; the global generator is left as it
// was (the new layer's random init is overwritten anyway).
Linear fold_batchnorm(const Linear& layer, const BatchNorm& bn);
Conv2d fold_batchnorm(const Conv2d& layer, const BatchNorm& bn);
// Either of the above, chosen by the layer's dynamic type (Linear or Conv2d).
std::shared_ptr<Module> fold_batchnorm(const Module& layer, const BatchNorm& bn);

}  // namespace nabla::nn
