#pragma once
// Elementwise kernels: broadcasting binary ops, unary ops and their backward terms.
// Pointers are to contiguous float32 data; shapes follow NumPy broadcasting.
#include "core/shape.h"

#include <cstdint>

namespace nabla {

enum class BinaryOp { add, sub, mul, div };
enum class UnaryOp { neg, exp, log, sqrt, relu, sigmoid, tanh };

const char* op_name(BinaryOp op);
const char* op_name(UnaryOp op);

// out[out_shape] = a[a_shape] op b[b_shape]; out_shape = broadcast_shapes(a, b).
void binary_forward(BinaryOp op, float* out, const Shape& out_shape, const float* a, const Shape& a_shape,
                    const float* b, const Shape& b_shape);
// The naive reference: one multi-index per element, no merging or fast paths.
void binary_reference(BinaryOp op, float* out, const Shape& out_shape, const float* a, const Shape& a_shape,
                      const float* b, const Shape& b_shape);

// out = a * x + b elementwise (x and out of n elements): the scalar variants.
void affine_scalar(float* out, const float* x, std::int64_t n, float a, float b);
void pow_scalar(float* out, const float* x, std::int64_t n, float exponent);

void unary_forward(UnaryOp op, float* out, const float* x, std::int64_t n);
// dx = dy * f'(x), given x and y = f(x) (each op reads whichever is cheaper).
void unary_backward(UnaryOp op, float* dx, const float* dy, const float* x, const float* y, std::int64_t n);

// out[out_shape] = sum of in[in_shape] over the dimensions in which out was broadcast:
// the reduction behind broadcasting gradients and sum(dims, keepdim).
void sum_to_shape(float* out, const Shape& out_shape, const float* in, const Shape& in_shape);
// Likewise max, with the flat input index of each maximum (first one on ties).
void max_to_shape(float* out, std::int64_t* argmax, const Shape& out_shape, const float* in,
                  const Shape& in_shape);

}  // namespace nabla
