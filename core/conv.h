#pragma once
// 2-d convolution by im2col + sgemm.
//
// Legend: B batch, C input channels, H W input height/width, OC output channels,
// KH KW kernel height/width, S stride, P zero padding, OH OW output height/width.
// Layouts: input [B,C,H,W], weight [OC,C,KH,KW], bias [OC], output [B,OC,OH,OW].
// K = C*KH*KW, N = OH*OW. One image's columns are [K, N]; the whole batch's columns
// are [K, B*N] (image b in columns b*N .. b*N+N-1), so one sgemm covers the batch.
#include <cstdint>

namespace nabla {

struct Conv2dDims {
    std::int64_t B, C, H, W, OC, KH, KW, S, P, OH, OW;
    std::int64_t col_size() const { return C * KH * KW * OH * OW; }  // one image's [K, N]
    std::int64_t batch_col_size() const { return B * col_size(); }   // [K, B*N]
    std::int64_t rows_size() const { return OC * B * OH * OW; }      // [OC, B*N]
};

// Fills in OH and OW; throws naming "conv2d" when the kernel does not fit.
Conv2dDims make_conv2d_dims(std::int64_t B, std::int64_t C, std::int64_t H, std::int64_t W, std::int64_t OC,
                            std::int64_t KH, std::int64_t KW, std::int64_t S, std::int64_t P);

// col[C*KH*KW, OH*OW] <- one image [C,H,W]; zero where the window hangs over the padding.
// ld is the distance between col's rows (N for one image, B*N inside a batch buffer).
void im2col(float* col, const float* img, const Conv2dDims& d, std::int64_t ld = -1);
// img[C,H,W] += the columns scattered back (the adjoint of im2col); ld as for im2col.
void col2im_add(float* img, const float* col, const Conv2dDims& d, std::int64_t ld = -1);

// out = conv(inp, weight) + bias; bias may be null. Workspaces: col of d.batch_col_size()
// (left holding the batch's columns, which backward reuses) and rows of d.rows_size().
void conv2d_forward(float* out, const float* inp, const float* weight, const float* bias, const Conv2dDims& d,
                    float* col, float* rows);
// col: the columns conv2d_forward left for this input (read only). Workspaces: rows of
// d.rows_size() and dcol of d.batch_col_size(). Any of dinp, dweight, dbias may be null
// (not needed); all three are overwritten.
void conv2d_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* col,
                     const float* weight, const Conv2dDims& d, float* rows, float* dcol);
// The direct seven-loop convolution, the reference for tests.
void conv2d_reference(float* out, const float* inp, const float* weight, const float* bias, const Conv2dDims& d);

}  // namespace nabla
