// im2col / col2im: the same layout and semantics as src/tensor/ts-backend.ts.
// One image [C, H, W] <-> columns [C*kh*kw, outH*outW], row index (c*kh + ky)*kw + kx.
#pragma once

#include <cstdint>

namespace dniflow {

struct ConvGeometry {
  int32_t channels, height, width;
  int32_t kernelH, kernelW;
  int32_t strideH, strideW;
  int32_t padH, padW;
  int32_t outH, outW;

  int64_t ImageSize() const { return int64_t{channels} * height * width; }
  int64_t ColumnsSize() const { return int64_t{channels} * kernelH * kernelW * outH * outW; }
};

// Padding reads as zero; every element of `columns` in [0, ColumnsSize()) is written.
void Im2col(const ConvGeometry& g, const float* image, float* columns);

// Adds `columns` into `image` (the adjoint of Im2col); padded positions are dropped.
void Col2im(const ConvGeometry& g, const float* columns, float* image);

}  // namespace dniflow
