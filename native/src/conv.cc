#include "conv.h"

#include <algorithm>
#include <cstring>

namespace dniflow {
namespace {

// Smallest integer q >= 0 with q * stride >= value (value may be negative).
inline int32_t CeilDivNonNegative(int64_t value, int32_t stride) {
  if (value <= 0) return 0;
  return static_cast<int32_t>((value + stride - 1) / stride);
}

// The output columns ox in [lo, hi) whose input column x = ox*strideW - padW + kx lies inside
// the image; the rest read padding. Computing the range once per kernel column keeps the inner
// loops branch-free (and a plain memcpy when strideW is 1).
struct ValidRange {
  int32_t lo, hi;
};

inline ValidRange ValidColumns(const ConvGeometry& g, int32_t kx) {
  int32_t lo = std::min(CeilDivNonNegative(int64_t{g.padW} - kx, g.strideW), g.outW);
  int32_t hi = std::min(CeilDivNonNegative(int64_t{g.width} + g.padW - kx, g.strideW), g.outW);
  return ValidRange{lo, std::max(lo, hi)};
}

}  // namespace

void Im2col(const ConvGeometry& g, const float* image, float* columns) {
  const int64_t plane = int64_t{g.outH} * g.outW;
  int64_t row = 0;
  for (int32_t c = 0; c < g.channels; c++) {
    const float* channel = image + int64_t{c} * g.height * g.width;
    for (int32_t ky = 0; ky < g.kernelH; ky++) {
      for (int32_t kx = 0; kx < g.kernelW; kx++, row++) {
        const ValidRange range = ValidColumns(g, kx);
        float* out = columns + row * plane;
        for (int32_t oy = 0; oy < g.outH; oy++, out += g.outW) {
          const int64_t y = int64_t{oy} * g.strideH - g.padH + ky;
          if (y < 0 || y >= g.height) {
            std::fill(out, out + g.outW, 0.0f);
            continue;
          }
          // Input column of output column ox is x0 + ox*strideW; ox in [lo, hi) keeps it inside the row.
          const float* in = channel + y * g.width;
          const int64_t x0 = int64_t{kx} - g.padW;
          std::fill(out, out + range.lo, 0.0f);
          if (g.strideW == 1) {
            if (range.hi > range.lo) {
              std::memcpy(out + range.lo, in + (x0 + range.lo), sizeof(float) * (range.hi - range.lo));
            }
          } else {
            for (int32_t ox = range.lo; ox < range.hi; ox++) out[ox] = in[x0 + int64_t{ox} * g.strideW];
          }
          std::fill(out + range.hi, out + g.outW, 0.0f);
        }
      }
    }
  }
}

void Col2im(const ConvGeometry& g, const float* columns, float* image) {
  const int64_t plane = int64_t{g.outH} * g.outW;
  int64_t row = 0;
  for (int32_t c = 0; c < g.channels; c++) {
    float* channel = image + int64_t{c} * g.height * g.width;
    for (int32_t ky = 0; ky < g.kernelH; ky++) {
      for (int32_t kx = 0; kx < g.kernelW; kx++, row++) {
        const ValidRange range = ValidColumns(g, kx);
        const float* in = columns + row * plane;
        for (int32_t oy = 0; oy < g.outH; oy++, in += g.outW) {
          const int64_t y = int64_t{oy} * g.strideH - g.padH + ky;
          if (y < 0 || y >= g.height) continue;
          float* out = channel + y * g.width;
          const int64_t x0 = int64_t{kx} - g.padW;
          if (g.strideW == 1) {
            for (int32_t ox = range.lo; ox < range.hi; ox++) out[x0 + ox] += in[ox];
          } else {
            for (int32_t ox = range.lo; ox < range.hi; ox++) out[x0 + int64_t{ox} * g.strideW] += in[ox];
          }
        }
      }
    }
  }
}

}  // namespace dniflow
