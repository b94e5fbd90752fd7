// dniflow_native: the native compute backend behind src/tensor/backend.ts.
// gemm is OpenBLAS's cblas_sgemm, called directly on the caller's Float32Array memory (zero-copy);
// im2col/col2im are plain loops (conv.cc); ReLU, the optimiser steps, batch norm and the LSTM tick's
// gate math are vectorised loops (relu.cc, optimizer_kernels.cc, batch_norm.cc, lstm.cc). Every size is checked in C++ before any
// write: a JS caller can pass anything, and a bad size must become an error, never a write out of
// bounds.
#include <cblas.h>
#include <napi.h>

#include <algorithm>
#include <string>

#include "args.h"
#include "conv.h"
#include "kernels.h"

namespace dniflow {
namespace {

// Floats a row-major rows×cols matrix with row stride ld occupies (the last row needs only cols).
int64_t StoredExtent(int64_t rows, int64_t cols, int64_t ld) {
  return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols;
}

std::string Dims(int64_t rows, int64_t cols, int64_t ld) {
  return std::to_string(rows) + "x" + std::to_string(cols) + " with row stride " + std::to_string(ld);
}

void ExpectStride(Napi::Env env, const std::string& fn, const char* name, int32_t ld, int32_t cols,
                  const std::string& what) {
  if (ld < std::max(1, cols)) {
    Fail(env, fn,
         std::string(name) + " " + std::to_string(ld) + " is less than the row length " + std::to_string(cols) +
             " of " + what);
  }
}

// gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
// row-major C = alpha * op(A) * op(B) + beta * C, exactly cblas_sgemm(CblasRowMajor, ...).
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  const std::string fn = "gemm";
  Napi::Env env = info.Env();
  ExpectArgCount(info, 13, fn);
  const bool transA = ArgBool(info, 0, fn, "transA");
  const bool transB = ArgBool(info, 1, fn, "transB");
  const int32_t m = ArgInt(info, 2, fn, "m", 0);
  const int32_t n = ArgInt(info, 3, fn, "n", 0);
  const int32_t k = ArgInt(info, 4, fn, "k", 0);
  const double alpha = ArgNumber(info, 5, fn, "alpha");
  const FloatView a = ArgFloat32Array(info, 6, fn, "a");
  const int32_t lda = ArgInt(info, 7, fn, "lda", 1);
  const FloatView b = ArgFloat32Array(info, 8, fn, "b");
  const int32_t ldb = ArgInt(info, 9, fn, "ldb", 1);
  const double beta = ArgNumber(info, 10, fn, "beta");
  const FloatView c = ArgFloat32Array(info, 11, fn, "c");
  const int32_t ldc = ArgInt(info, 12, fn, "ldc", 1);

  // Stored shapes: op(A) is m×k, so A is stored k×m when transposed; likewise B.
  const int32_t aRows = transA ? k : m, aCols = transA ? m : k;
  const int32_t bRows = transB ? n : k, bCols = transB ? k : n;
  const std::string aWhat = transA ? "A (stored k×m, transA)" : "A (stored m×k)";
  const std::string bWhat = transB ? "B (stored n×k, transB)" : "B (stored k×n)";
  ExpectStride(env, fn, "lda", lda, aCols, aWhat);
  ExpectStride(env, fn, "ldb", ldb, bCols, bWhat);
  ExpectStride(env, fn, "ldc", ldc, n, "C (m×n)");
  const int64_t aExtent = StoredExtent(aRows, aCols, lda);
  const int64_t bExtent = StoredExtent(bRows, bCols, ldb);
  const int64_t cExtent = StoredExtent(m, n, ldc);
  ExpectLength(env, fn, "a", a, aExtent, aWhat + " " + Dims(aRows, aCols, lda));
  ExpectLength(env, fn, "b", b, bExtent, bWhat + " " + Dims(bRows, bCols, ldb));
  ExpectLength(env, fn, "c", c, cExtent, "C " + Dims(m, n, ldc));
  ExpectDisjoint(env, fn, "c", c, cExtent, "a", a, aExtent);
  ExpectDisjoint(env, fn, "c", c, cExtent, "b", b, bExtent);

  if (m == 0 || n == 0) return env.Undefined();
  if (k == 0) {
    // C = beta * C. Done here rather than trusting each BLAS's k = 0 path; beta = 0 overwrites.
    const float scale = static_cast<float>(beta);
    for (int64_t row = 0; row < m; row++) {
      float* line = c.data + row * ldc;
      if (scale == 0.0f) {
        std::fill(line, line + n, 0.0f);
      } else if (scale != 1.0f) {
        for (int32_t col = 0; col < n; col++) line[col] *= scale;
      }
    }
    return env.Undefined();
  }
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k,
              static_cast<float>(alpha), a.data, lda, b.data, ldb, static_cast<float>(beta), c.data, ldc);
  return env.Undefined();
}

// im2col / col2im take the geometry as 11 integers (channels, height, width, kernelH, kernelW,
// strideH, strideW, padH, padW, outH, outW) followed by the two arrays.
ConvGeometry ArgGeometry(const Napi::CallbackInfo& info, const std::string& fn) {
  ConvGeometry g{};
  g.channels = ArgInt(info, 0, fn, "channels", 1);
  g.height = ArgInt(info, 1, fn, "height", 1);
  g.width = ArgInt(info, 2, fn, "width", 1);
  g.kernelH = ArgInt(info, 3, fn, "kernelH", 1);
  g.kernelW = ArgInt(info, 4, fn, "kernelW", 1);
  g.strideH = ArgInt(info, 5, fn, "strideH", 1);
  g.strideW = ArgInt(info, 6, fn, "strideW", 1);
  g.padH = ArgInt(info, 7, fn, "padH", 0);
  g.padW = ArgInt(info, 8, fn, "padW", 0);
  g.outH = ArgInt(info, 9, fn, "outH", 1);
  g.outW = ArgInt(info, 10, fn, "outW", 1);
  // The output size must follow from the rest (as convGeometry computes it); a hand-made geometry
  // that disagrees is a caller bug, reported rather than silently convolved.
  const int64_t expectH = (int64_t{g.height} + 2 * int64_t{g.padH} - g.kernelH) / g.strideH + 1;
  const int64_t expectW = (int64_t{g.width} + 2 * int64_t{g.padW} - g.kernelW) / g.strideW + 1;
  if (int64_t{g.height} + 2 * int64_t{g.padH} < g.kernelH || int64_t{g.width} + 2 * int64_t{g.padW} < g.kernelW ||
      expectH != g.outH || expectW != g.outW) {
    Fail(info.Env(), fn,
         "geometry output " + std::to_string(g.outH) + "x" + std::to_string(g.outW) + " does not match kernel " +
             std::to_string(g.kernelH) + "x" + std::to_string(g.kernelW) + ", stride " + std::to_string(g.strideH) +
             "," + std::to_string(g.strideW) + ", padding " + std::to_string(g.padH) + "," +
             std::to_string(g.padW) + " on input " + std::to_string(g.height) + "x" + std::to_string(g.width));
  }
  return g;
}

Napi::Value Im2colBinding(const Napi::CallbackInfo& info) {
  const std::string fn = "im2col";
  ExpectArgCount(info, 13, fn);
  const ConvGeometry g = ArgGeometry(info, fn);
  const FloatView image = ArgFloat32Array(info, 11, fn, "image");
  const FloatView columns = ArgFloat32Array(info, 12, fn, "columns");
  ExpectLength(info.Env(), fn, "image", image, g.ImageSize(), "an image [C, H, W]");
  ExpectLength(info.Env(), fn, "columns", columns, g.ColumnsSize(), "columns [C*kh*kw, outH*outW]");
  ExpectDisjoint(info.Env(), fn, "columns", columns, g.ColumnsSize(), "image", image, g.ImageSize());
  Im2col(g, image.data, columns.data);
  return info.Env().Undefined();
}

Napi::Value Col2imBinding(const Napi::CallbackInfo& info) {
  const std::string fn = "col2im";
  ExpectArgCount(info, 13, fn);
  const ConvGeometry g = ArgGeometry(info, fn);
  const FloatView columns = ArgFloat32Array(info, 11, fn, "columns");
  const FloatView image = ArgFloat32Array(info, 12, fn, "image");
  ExpectLength(info.Env(), fn, "columns", columns, g.ColumnsSize(), "columns [C*kh*kw, outH*outW]");
  ExpectLength(info.Env(), fn, "image", image, g.ImageSize(), "an image [C, H, W]");
  ExpectDisjoint(info.Env(), fn, "image", image, g.ImageSize(), "columns", columns, g.ColumnsSize());
  Col2im(g, columns.data, image.data);
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
}

// OpenBLAS's thread count is process-wide: it applies to every caller, worker threads included.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const std::string fn = "setThreads";
  ExpectArgCount(info, 1, fn);
  const int32_t threads = ArgInt(info, 0, fn, "threads", 1);
  openblas_set_num_threads(threads);
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
}

Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("corename", Napi::String::New(info.Env(), openblas_get_corename()));
  out.Set("config", Napi::String::New(info.Env(), openblas_get_config()));
  out.Set("procs", Napi::Number::New(info.Env(), openblas_get_num_procs()));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("im2col", Napi::Function::New(env, Im2colBinding, "im2col"));
  exports.Set("col2im", Napi::Function::New(env, Col2imBinding, "col2im"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo, "blasInfo"));
  RegisterReluKernels(env, exports);
  RegisterOptimizerKernels(env, exports);
  RegisterBatchNormKernels(env, exports);
  RegisterLstmKernels(env, exports);
  return exports;
}

}  // namespace
}  // namespace dniflow

static Napi::Object InitDniflowNative(Napi::Env env, Napi::Object exports) {
  return dniflow::Init(env, exports);
}

NODE_API_MODULE(dniflow_native, InitDniflowNative)
