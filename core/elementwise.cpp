#include "core/elementwise.h"

#include "core/broadcast.h"
#include "core/parallel.h"
#include "core/simd.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nabla {

const char* op_name(BinaryOp op) {
    switch (op) {
        case BinaryOp::add: return "add";
        case BinaryOp::sub: return "sub";
        case BinaryOp::mul: return "mul";
        case BinaryOp::div: return "div";
    }
    return "?";
}

const char* op_name(UnaryOp op) {
    switch (op) {
        case UnaryOp::neg: return "neg";
        case UnaryOp::exp: return "exp";
        case UnaryOp::log: return "log";
        case UnaryOp::sqrt: return "sqrt";
        case UnaryOp::relu: return "relu";
        case UnaryOp::sigmoid: return "sigmoid";
        case UnaryOp::tanh: return "tanh";
    }
    return "?";
}

namespace {

NABLA_HOT_LOOP void relu_range(float* out, const float* x, std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) out[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

// Subgradient 0 at x = 0, as PyTorch; a NaN gradient stays out where the unit is off.
NABLA_HOT_LOOP void relu_backward_range(float* dx, const float* dy, const float* y, std::int64_t lo,
                                        std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

template <BinaryOp Op>
inline float apply(float a, float b) {
    if constexpr (Op == BinaryOp::add) return a + b;
    if constexpr (Op == BinaryOp::sub) return a - b;
    if constexpr (Op == BinaryOp::mul) return a * b;
    if constexpr (Op == BinaryOp::div) return a / b;
}

// One run of n elements; the common stride pairs get their own loop so they vectorise.
template <BinaryOp Op>
void run(float* out, const float* a, const float* b, std::int64_t n, std::int64_t as, std::int64_t bs) {
    if (as == 1 && bs == 1) {
        for (std::int64_t i = 0; i < n; ++i) out[i] = apply<Op>(a[i], b[i]);
    } else if (as == 1 && bs == 0) {
        const float bv = *b;
        for (std::int64_t i = 0; i < n; ++i) out[i] = apply<Op>(a[i], bv);
    } else if (as == 0 && bs == 1) {
        const float av = *a;
        for (std::int64_t i = 0; i < n; ++i) out[i] = apply<Op>(av, b[i]);
    } else {
        for (std::int64_t i = 0; i < n; ++i) out[i] = apply<Op>(a[i * as], b[i * bs]);
    }
}

template <BinaryOp Op>
void binary(float* out, const Shape& os, const float* a, const Shape& ash, const float* b, const Shape& bsh) {
    const BroadcastPlan p = make_broadcast_plan(os, ash, bsh);
    for_each_run(p, [&](std::int64_t o, std::int64_t ao, std::int64_t bo, std::int64_t n, std::int64_t as,
                        std::int64_t bs) { run<Op>(out + o, a + ao, b + bo, n, as, bs); });
}

// Offset of flat output index i in an operand broadcast to `os`, the slow obvious way.
std::int64_t broadcast_offset(std::int64_t i, const Shape& os, const Shape& s) {
    std::int64_t off = 0, stride = 1;
    for (std::int64_t d = os.ndim() - 1, k = s.ndim() - 1; d >= 0; --d, --k) {
        const std::int64_t idx = i % os[d];
        i /= os[d];
        if (k >= 0) {
            if (s[k] != 1) off += idx * stride;
            stride *= s[k];
        }
    }
    return off;
}

}  // namespace

void binary_forward(BinaryOp op, float* out, const Shape& os, const float* a, const Shape& as, const float* b,
                    const Shape& bs) {
    switch (op) {
        case BinaryOp::add: return binary<BinaryOp::add>(out, os, a, as, b, bs);
        case BinaryOp::sub: return binary<BinaryOp::sub>(out, os, a, as, b, bs);
        case BinaryOp::mul: return binary<BinaryOp::mul>(out, os, a, as, b, bs);
        case BinaryOp::div: return binary<BinaryOp::div>(out, os, a, as, b, bs);
    }
}

void binary_reference(BinaryOp op, float* out, const Shape& os, const float* a, const Shape& as,
                      const float* b, const Shape& bs) {
    for (std::int64_t i = 0; i < os.numel(); ++i) {
        const float x = a[broadcast_offset(i, os, as)], y = b[broadcast_offset(i, os, bs)];
        switch (op) {
            case BinaryOp::add: out[i] = x + y; break;
            case BinaryOp::sub: out[i] = x - y; break;
            case BinaryOp::mul: out[i] = x * y; break;
            case BinaryOp::div: out[i] = x / y; break;
        }
    }
}

void affine_scalar(float* out, const float* x, std::int64_t n, float a, float b) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = a * x[i] + b;
}

void pow_scalar(float* out, const float* x, std::int64_t n, float e) {
    if (e == 2.0f) {
        for (std::int64_t i = 0; i < n; ++i) out[i] = x[i] * x[i];
    } else {
        for (std::int64_t i = 0; i < n; ++i) out[i] = std::pow(x[i], e);
    }
}

void unary_forward(UnaryOp op, float* out, const float* x, std::int64_t n) {
    switch (op) {
        case UnaryOp::neg:
            for (std::int64_t i = 0; i < n; ++i) out[i] = -x[i];
            break;
        case UnaryOp::exp:
            for (std::int64_t i = 0; i < n; ++i) out[i] = std::exp(x[i]);
            break;
        case UnaryOp::log:
            for (std::int64_t i = 0; i < n; ++i) out[i] = std::log(x[i]);
            break;
        case UnaryOp::sqrt:
            for (std::int64_t i = 0; i < n; ++i) out[i] = std::sqrt(x[i]);
            break;
        case UnaryOp::relu:
            parallel_ranges(n, [&](std::int64_t lo, std::int64_t hi) { relu_range(out, x, lo, hi); });
            break;
        case UnaryOp::sigmoid:
            // exp of a non-positive argument only, so large |x| never overflows.
            for (std::int64_t i = 0; i < n; ++i) {
                const float e = std::exp(-std::fabs(x[i]));
                out[i] = x[i] >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
            }
            break;
        case UnaryOp::tanh:
            for (std::int64_t i = 0; i < n; ++i) out[i] = std::tanh(x[i]);
            break;
    }
}

void unary_backward(UnaryOp op, float* dx, const float* dy, const float* x, const float* y, std::int64_t n) {
    switch (op) {
        case UnaryOp::neg:
            for (std::int64_t i = 0; i < n; ++i) dx[i] = -dy[i];
            break;
        case UnaryOp::exp:  // d exp = exp
            for (std::int64_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i];
            break;
        case UnaryOp::log:  // d log x = 1/x
            for (std::int64_t i = 0; i < n; ++i) dx[i] = dy[i] / x[i];
            break;
        case UnaryOp::sqrt:  // d sqrt x = 1 / (2 sqrt x)
            for (std::int64_t i = 0; i < n; ++i) dx[i] = dy[i] * 0.5f / y[i];
            break;
        case UnaryOp::relu:  // subgradient 0 at x = 0, as PyTorch
            parallel_ranges(
                n, [&](std::int64_t lo, std::int64_t hi) { relu_backward_range(dx, dy, y, lo, hi); });
            break;
        case UnaryOp::sigmoid:  // s (1 - s)
            for (std::int64_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
            break;
        case UnaryOp::tanh:  // 1 - t^2
            for (std::int64_t i = 0; i < n; ++i) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
            break;
    }
}

void sum_to_shape(float* out, const Shape& os, const float* in, const Shape& is) {
    std::fill_n(out, os.numel(), 0.0f);
    // Iterate over the input; `b` is the output, with stride 0 where it was broadcast.
    const BroadcastPlan p = make_broadcast_plan(is, is, os);
    for_each_run(p, [&](std::int64_t io, std::int64_t, std::int64_t oo, std::int64_t n, std::int64_t,
                        std::int64_t os_step) {
        const float* src = in + io;
        float* dst = out + oo;
        if (os_step == 0) {
            float acc = 0.0f;
            for (std::int64_t i = 0; i < n; ++i) acc += src[i];
            *dst += acc;
        } else {
            for (std::int64_t i = 0; i < n; ++i) dst[i * os_step] += src[i];
        }
    });
}

void max_to_shape(float* out, std::int64_t* argmax, const Shape& os, const float* in, const Shape& is) {
    std::fill_n(out, os.numel(), -std::numeric_limits<float>::infinity());
    std::fill_n(argmax, os.numel(), std::int64_t{-1});
    const BroadcastPlan p = make_broadcast_plan(is, is, os);
    for_each_run(p, [&](std::int64_t io, std::int64_t, std::int64_t oo, std::int64_t n, std::int64_t,
                        std::int64_t os_step) {
        for (std::int64_t i = 0; i < n; ++i) {
            const std::int64_t o = oo + i * os_step;
            const float v = in[io + i];
            // NaN wins, so a NaN input shows in the result instead of being skipped.
            if (argmax[o] < 0 || v > out[o] || (std::isnan(v) && !std::isnan(out[o]))) {
                out[o] = v;
                argmax[o] = io + i;
            }
        }
    });
}

}  // namespace nabla
