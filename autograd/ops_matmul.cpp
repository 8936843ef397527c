// matmul and the fused linear op; every product is one gemm call with transpose flags.
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "autograd/trace.h"
#include "core/blas.h"
#include "core/error.h"

namespace nabla {

Tensor matmul(const Tensor& a, const Tensor& b) {
    NABLA_CHECK(a.defined() && b.defined(), "matmul", "undefined operand");
    const std::int64_t ad = a.dim(), bd = b.dim();
    NABLA_CHECK((ad == 2 && bd == 2) || (ad == 3 && (bd == 2 || bd == 3)), "matmul",
                "expects [M,K]x[K,N], [B,M,K]x[B,K,N] or [B,M,K]x[K,N], got a {} and b {}", a.shape(),
                b.shape());
    const std::int64_t B = ad == 3 ? a.size(0) : 1, M = a.size(-2), K = a.size(-1);
    const std::int64_t N = b.size(-1);
    NABLA_CHECK(b.size(-2) == K, "matmul", "inner dimensions differ: a is {}, b is {}", a.shape(), b.shape());
    NABLA_CHECK(bd == 2 || b.size(0) == B, "matmul", "batch sizes differ: a is {}, b is {}", a.shape(),
                b.shape());
    const bool shared_b = bd == 2;  // one b for every batch entry
    Tensor out = empty(ad == 3 ? Shape{B, M, N} : Shape{M, N});
    if (shared_b) {  // [B*M, K] x [K, N] in one call
        gemm(false, false, B * M, N, K, 1.0f, a.data(), b.data(), 0.0f, out.data());
    } else {
        for (std::int64_t i = 0; i < B; ++i)
            gemm(false, false, M, N, K, 1.0f, a.data() + i * M * K, b.data() + i * K * N, 0.0f,
                 out.data() + i * M * N);
    }
    if (needs_grad({&a, &b}))
        record("matmul", {&a, &b}, out,
               [sa = SavedTensor(a), sb = SavedTensor(b), B, M, N, K, shared_b](const Tensor& g,
                                                                                const GradMask& wants) {
                   // da = g b^T ; db = a^T g (summed over the batch when b is shared)
                   const Tensor& av = sa.get();
                   const Tensor& bv = sb.get();
                   Tensor da, db;
                   if (wants[0]) {
                       da = empty(av.shape());
                       if (shared_b)
                           gemm(false, true, B * M, K, N, 1.0f, g.data(), bv.data(), 0.0f, da.data());
                       else
                           for (std::int64_t i = 0; i < B; ++i)
                               gemm(false, true, M, K, N, 1.0f, g.data() + i * M * N, bv.data() + i * K * N,
                                    0.0f, da.data() + i * M * K);
                   }
                   if (wants[1]) {
                       db = empty(bv.shape());
                       if (shared_b)
                           gemm(true, false, K, N, B * M, 1.0f, av.data(), g.data(), 0.0f, db.data());
                       else
                           for (std::int64_t i = 0; i < B; ++i)
                               gemm(true, false, K, N, M, 1.0f, av.data() + i * M * K, g.data() + i * M * N,
                                    0.0f, db.data() + i * K * N);
                   }
                   return std::vector<Tensor>{da, db};
               });
    if (is_tracing()) [[unlikely]]
        trace_op("matmul", {&a, &b}, out);
    return out;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
    NABLA_CHECK(x.defined() && weight.defined(), "linear", "undefined operand");
    NABLA_CHECK(x.dim() == 2 && weight.dim() == 2, "linear",
                "expects x [N, in] and weight [out, in], got {} and {}", x.shape(), weight.shape());
    const std::int64_t N = x.size(0), IN = x.size(1), OUT = weight.size(0);
    NABLA_CHECK(weight.size(1) == IN, "linear", "x {} has {} features but weight is {} (expects [out, {}])",
                x.shape(), IN, weight.shape(), IN);
    if (bias.defined())
        NABLA_CHECK(bias.shape() == Shape{OUT}, "linear", "bias must be [{}], got {}", OUT, bias.shape());
    // y[N,OUT] = x[N,IN] W[OUT,IN]^T + b: the bias is broadcast into y first, then gemm adds.
    Tensor y = empty({N, OUT});
    if (bias.defined())
        for (std::int64_t n = 0; n < N; ++n) std::copy_n(bias.data(), OUT, y.data() + n * OUT);
    gemm(false, true, N, OUT, IN, 1.0f, x.data(), weight.data(), bias.defined() ? 1.0f : 0.0f, y.data());
    if (needs_grad({&x, &weight, &bias}))
        record("linear", {&x, &weight, &bias}, y,
               [sx = SavedTensor(x), sw = SavedTensor(weight), N, IN, OUT](const Tensor& g,
                                                                           const GradMask& wants) {
                   // dx = g W ; dW = g^T x ; db = column sums of g
                   Tensor dx, dw, db;
                   if (wants[0]) {
                       dx = empty({N, IN});
                       gemm(false, false, N, IN, OUT, 1.0f, g.data(), sw.get().data(), 0.0f, dx.data());
                   }
                   if (wants[1]) {
                       dw = empty({OUT, IN});
                       gemm(true, false, OUT, IN, N, 1.0f, g.data(), sx.get().data(), 0.0f, dw.data());
                   }
                   if (wants[2]) {
                       db = zeros({OUT});
                       float* dbp = db.data();  // pointers hoisted: the loop then vectorises
                       const float* gp = g.data();
                       for (std::int64_t n = 0; n < N; ++n)
                           for (std::int64_t o = 0; o < OUT; ++o) dbp[o] += gp[n * OUT + o];
                   }
                   return std::vector<Tensor>{dx, dw, db};
               });
    if (is_tracing()) [[unlikely]]
        trace_op("linear", {&x, &weight, &bias}, y);
    return y;
}

}  // namespace nabla
