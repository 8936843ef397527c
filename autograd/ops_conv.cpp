// conv2d (fused with its bias), max_pool2d and avg_pool2d.
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "autograd/trace.h"
#include "core/conv.h"
#include "core/error.h"
#include "core/pool.h"
#include "core/storage.h"

#include <memory>

namespace nabla {

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, std::int64_t stride,
              std::int64_t padding) {
    NABLA_CHECK(x.defined() && weight.defined(), "conv2d", "undefined operand");
    NABLA_CHECK(x.dim() == 4, "conv2d", "input must be [B, C, H, W], got {}", x.shape());
    NABLA_CHECK(weight.dim() == 4, "conv2d", "weight must be [OC, C, KH, KW], got {}", weight.shape());
    NABLA_CHECK(weight.size(1) == x.size(1), "conv2d", "input {} has {} channels but weight {} expects {}",
                x.shape(), x.size(1), weight.shape(), weight.size(1));
    if (bias.defined())
        NABLA_CHECK(bias.shape() == Shape{weight.size(0)}, "conv2d", "bias must be [{}], got {}",
                    weight.size(0), bias.shape());
    const Conv2dDims d = make_conv2d_dims(x.size(0), x.size(1), x.size(2), x.size(3), weight.size(0),
                                          weight.size(2), weight.size(3), stride, padding);
    Tensor out = empty({d.B, d.OC, d.OH, d.OW});
    conv2d_forward(out.data(), x.data(), weight.data(), bias.defined() ? bias.data() : nullptr, d);
    if (needs_grad({&x, &weight, &bias}))
        record("conv2d", {&x, &weight, &bias}, out,
               [sx = SavedTensor(x), sw = SavedTensor(weight), d](const Tensor& g, const GradMask& wants) {
                   Tensor dx = wants[0] ? empty(sx.get().shape()) : Tensor();
                   Tensor dw = wants[1] ? empty(sw.get().shape()) : Tensor();
                   Tensor db = wants[2] ? empty({d.OC}) : Tensor();
                   conv2d_backward(wants[0] ? dx.data() : nullptr, wants[1] ? dw.data() : nullptr,
                                   wants[2] ? db.data() : nullptr, g.data(), sx.get().data(), sw.get().data(),
                                   d);
                   return std::vector<Tensor>{dx, dw, db};
               });
    if (is_tracing()) [[unlikely]]
        trace_op("conv2d", {&x, &weight, &bias}, out,
                 {{"stride", {double(stride)}}, {"padding", {double(padding)}}});
    return out;
}

Tensor max_pool2d(const Tensor& x, std::int64_t kernel_size, std::int64_t stride, std::int64_t padding) {
    NABLA_CHECK(x.defined() && x.dim() == 4, "max_pool2d", "input must be [B, C, H, W], got {}", describe(x));
    const Pool2dDims d = make_pool2d_dims(x.size(0), x.size(1), x.size(2), x.size(3), kernel_size,
                                          stride == 0 ? kernel_size : stride, padding);
    Tensor out = empty({d.B, d.C, d.OH, d.OW});
    // The window maxima's indices, int32 in a Storage so the buffer comes from the block
    // cache like any activation (a fresh vector cost page faults every step).
    static_assert(sizeof(std::int32_t) == sizeof(float));
    auto argmax = std::make_shared<Storage>(out.numel());
    auto indices = [argmax] { return reinterpret_cast<std::int32_t*>(argmax->data()); };
    max_pool2d_forward(out.data(), indices(), x.data(), d);
    if (needs_grad({&x}))
        record("max_pool2d", {&x}, out, [indices, d](const Tensor& g, const GradMask&) {
            Tensor dx = empty({d.B, d.C, d.H, d.W});
            max_pool2d_backward(dx.data(), g.data(), indices(), d);
            return std::vector<Tensor>{dx};
        });
    if (is_tracing()) [[unlikely]]
        trace_op("max_pool2d", {&x}, out,
                 {{"kernel", {double(d.K)}}, {"stride", {double(d.S)}}, {"padding", {double(d.P)}}});
    return out;
}

Tensor avg_pool2d(const Tensor& x, std::int64_t kernel_size, std::int64_t stride, std::int64_t padding,
                  bool count_include_pad) {
    NABLA_CHECK(x.defined() && x.dim() == 4, "avg_pool2d", "input must be [B, C, H, W], got {}", describe(x));
    const Pool2dDims d = make_pool2d_dims(x.size(0), x.size(1), x.size(2), x.size(3), kernel_size,
                                          stride == 0 ? kernel_size : stride, padding, "avg_pool2d");
    Tensor out = empty({d.B, d.C, d.OH, d.OW});
    avg_pool2d_forward(out.data(), x.data(), d, count_include_pad);
    if (needs_grad({&x}))
        record("avg_pool2d", {&x}, out, [d, count_include_pad](const Tensor& g, const GradMask&) {
            Tensor dx = empty({d.B, d.C, d.H, d.W});
            avg_pool2d_backward(dx.data(), g.data(), d, count_include_pad);
            return std::vector<Tensor>{dx};
        });
    if (is_tracing()) [[unlikely]]
        trace_op("avg_pool2d", {&x}, out,
                 {{"kernel", {double(d.K)}},
                  {"stride", {double(d.S)}},
                  {"padding", {double(d.P)}},
                  {"count_include_pad", {count_include_pad ? 1.0 : 0.0}}});
    return out;
}

}  // namespace nabla
