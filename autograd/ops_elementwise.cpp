// Elementwise ops. Broadcasting gradients are returned at the output's shape; the
// engine reduces them to each input's shape (see tape.h).
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "autograd/trace.h"
#include "core/elementwise.h"
#include "core/error.h"

namespace nabla {

namespace {

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
    const char* name = op_name(op);
    NABLA_CHECK(a.defined() && b.defined(), name, "undefined operand");
    const Shape os = broadcast_shapes(a.shape(), b.shape(), name);
    Tensor out = empty(os);
    binary_forward(op, out.data(), os, a.data(), a.shape(), b.data(), b.shape());
    return out;
}

// The unary kernel applied as an op with a backward that reads x and y = f(x).
Tensor unary(UnaryOp op, const Tensor& x) {
    NABLA_CHECK(x.defined(), op_name(op), "undefined operand");
    Tensor y = empty(x.shape());
    unary_forward(op, y.data(), x.data(), x.numel());
    if (needs_grad({&x}))
        record(op_name(op), {&x}, y,
               [op, sx = SavedTensor(x), sy = SavedTensor(y)](const Tensor& g, const GradMask&) {
                   const Tensor& xv = sx.get();
                   const Tensor& yv = sy.get();
                   Tensor dx = empty(xv.shape());
                   unary_backward(op, dx.data(), g.data(), xv.data(), yv.data(), xv.numel());
                   return std::vector<Tensor>{dx};
               });
    if (is_tracing()) [[unlikely]]
        trace_op(op_name(op), {&x}, y);
    return y;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
    Tensor out = binary(BinaryOp::add, a, b);
    if (needs_grad({&a, &b}))
        record("add", {&a, &b}, out, [](const Tensor& g, const GradMask&) {
            return std::vector<Tensor>{g, g};
        });
    if (is_tracing()) [[unlikely]]
        trace_op("add", {&a, &b}, out);
    return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
    Tensor out = binary(BinaryOp::sub, a, b);
    if (needs_grad({&a, &b}))
        record("sub", {&a, &b}, out, [](const Tensor& g, const GradMask& wants) {
            return std::vector<Tensor>{g, wants[1] ? neg(g) : Tensor()};
        });
    if (is_tracing()) [[unlikely]]
        trace_op("sub", {&a, &b}, out);
    return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
    Tensor out = binary(BinaryOp::mul, a, b);
    if (needs_grad({&a, &b})) {
        // d(a*b) = g*b da + g*a db; each factor is saved only when the other side needs it.
        const GradMask saving = grad_mask({&a, &b});
        record("mul", {&a, &b}, out,
               [sa = saving[1] ? SavedTensor(a) : SavedTensor(),
                sb = saving[0] ? SavedTensor(b) : SavedTensor()](const Tensor& g, const GradMask& wants) {
                   return std::vector<Tensor>{wants[0] ? binary(BinaryOp::mul, g, sb.get()) : Tensor(),
                                              wants[1] ? binary(BinaryOp::mul, g, sa.get()) : Tensor()};
               });
    }
    if (is_tracing()) [[unlikely]]
        trace_op("mul", {&a, &b}, out);
    return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
    Tensor out = binary(BinaryOp::div, a, b);
    if (needs_grad({&a, &b})) {
        // d(a/b) = g/b da - g*a/b^2 db = g/b da - g*out/b db; out is saved only for db.
        const GradMask saving = grad_mask({&a, &b});
        record("div", {&a, &b}, out,
               [sb = SavedTensor(b), so = saving[1] ? SavedTensor(out) : SavedTensor()](
                   const Tensor& g, const GradMask& wants) {
                   Tensor ga = binary(BinaryOp::div, g, sb.get());
                   Tensor gb;
                   if (wants[1]) {
                       gb = binary(BinaryOp::mul, ga, so.get());
                       unary_forward(UnaryOp::neg, gb.data(), gb.data(), gb.numel());
                   }
                   return std::vector<Tensor>{ga, gb};
               });
    }
    if (is_tracing()) [[unlikely]]
        trace_op("div", {&a, &b}, out);
    return out;
}

Tensor add(const Tensor& a, float s) {
    Tensor out = empty(a.shape());
    affine_scalar(out.data(), a.data(), a.numel(), 1.0f, s);
    if (needs_grad({&a}))
        record("add_scalar", {&a}, out,
               [](const Tensor& g, const GradMask&) { return std::vector<Tensor>{g}; });
    if (is_tracing()) [[unlikely]]
        trace_op("add_scalar", {&a}, out, {{"scalar", {s}}});
    return out;
}

Tensor mul(const Tensor& a, float s) {
    Tensor out = empty(a.shape());
    affine_scalar(out.data(), a.data(), a.numel(), s, 0.0f);
    if (needs_grad({&a}))
        record("mul_scalar", {&a}, out, [s](const Tensor& g, const GradMask&) {
            Tensor d = empty(g.shape());
            affine_scalar(d.data(), g.data(), g.numel(), s, 0.0f);
            return std::vector<Tensor>{d};
        });
    if (is_tracing()) [[unlikely]]
        trace_op("mul_scalar", {&a}, out, {{"scalar", {s}}});
    return out;
}

Tensor pow(const Tensor& x, float e) {
    Tensor out = empty(x.shape());
    pow_scalar(out.data(), x.data(), x.numel(), e);
    if (needs_grad({&x}))
        record("pow", {&x}, out, [e, sx = SavedTensor(x)](const Tensor& g, const GradMask&) {
            // d x^e = e x^(e-1); for e = 0 the constant's gradient is 0 everywhere, also at
            // x = 0 where 0 * x^-1 would give NaN (as PyTorch).
            const Tensor& xv = sx.get();
            if (e == 0.0f) return std::vector<Tensor>{zeros(xv.shape())};
            Tensor d = empty(xv.shape());
            pow_scalar(d.data(), xv.data(), xv.numel(), e - 1.0f);
            binary_forward(BinaryOp::mul, d.data(), d.shape(), d.data(), d.shape(), g.data(), g.shape());
            affine_scalar(d.data(), d.data(), d.numel(), e, 0.0f);
            return std::vector<Tensor>{d};
        });
    if (is_tracing()) [[unlikely]]
        trace_op("pow", {&x}, out, {{"exponent", {e}}});
    return out;
}

Tensor neg(const Tensor& x) { return unary(UnaryOp::neg, x); }
Tensor exp(const Tensor& x) { return unary(UnaryOp::exp, x); }
Tensor log(const Tensor& x) { return unary(UnaryOp::log, x); }
Tensor sqrt(const Tensor& x) { return unary(UnaryOp::sqrt, x); }
Tensor relu(const Tensor& x) { return unary(UnaryOp::relu, x); }
Tensor sigmoid(const Tensor& x) { return unary(UnaryOp::sigmoid, x); }
Tensor tanh(const Tensor& x) { return unary(UnaryOp::tanh, x); }

}  // namespace nabla
