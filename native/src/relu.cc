// ReLU forward and backward for the ReLU layer, branch-free and vectorised. They compute
// src/tensor/relu-kernels.ts's float64 expressions, so both backends give the same bits:
// (x + |x|)·0.5 (exact for finite x; NaN stays NaN; −∞ gives NaN) and gy·(y > 0) + 0.
#include <cmath>
#include <cstdint>
#include <string>

#include "args.h"
#include "kernels.h"
#include "vector_clones.h"

namespace dniflow {

// No __restrict: output may be input (in place).
DNIFLOW_VECTOR_CLONES
void ReluLoop(const float* input, float* output, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const double v = input[i];
    output[i] = static_cast<float>((v + std::fabs(v)) * 0.5);
  }
}

DNIFLOW_VECTOR_CLONES
void ReluBackwardLoop(const float* output, const float* gradOutput, float* gradInput, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const double mask = output[i] > 0 ? 1.0 : 0.0;
    gradInput[i] = static_cast<float>(static_cast<double>(gradOutput[i]) * mask + 0.0);
  }
}

namespace {

// An output may be its input (in place) or lie apart from it; a partial overlap is a caller bug.
void ExpectSameOrDisjoint(Napi::Env env, const std::string& fn, const char* outName, const FloatView& out,
                          const char* inName, const FloatView& in, int64_t n) {
  if (out.data != in.data) ExpectDisjoint(env, fn, outName, out, n, inName, in, n);
}

// relu(input, output)
Napi::Value Relu(const Napi::CallbackInfo& info) {
  const std::string fn = "relu";
  Napi::Env env = info.Env();
  ExpectArgCount(info, 2, fn);
  const FloatView input = ArgFloat32Array(info, 0, fn, "input");
  const FloatView output = ArgFloat32Array(info, 1, fn, "output");
  ExpectLength(env, fn, "output", output, input.length, "the input's length");
  ExpectSameOrDisjoint(env, fn, "output", output, "input", input, input.length);
  ReluLoop(input.data, output.data, input.length);
  return env.Undefined();
}

// reluBackward(output, gradOutput, gradInput)
Napi::Value ReluBackward(const Napi::CallbackInfo& info) {
  const std::string fn = "reluBackward";
  Napi::Env env = info.Env();
  ExpectArgCount(info, 3, fn);
  const FloatView output = ArgFloat32Array(info, 0, fn, "output");
  const FloatView gradOutput = ArgFloat32Array(info, 1, fn, "gradOutput");
  const FloatView gradInput = ArgFloat32Array(info, 2, fn, "gradInput");
  const int64_t n = output.length;
  ExpectLength(env, fn, "gradOutput", gradOutput, n, "the output's length");
  ExpectLength(env, fn, "gradInput", gradInput, n, "the output's length");
  ExpectDisjoint(env, fn, "gradInput", gradInput, n, "output", output, n);
  ExpectSameOrDisjoint(env, fn, "gradInput", gradInput, "gradOutput", gradOutput, n);
  ReluBackwardLoop(output.data, gradOutput.data, gradInput.data, n);
  return env.Undefined();
}

}  // namespace

void RegisterReluKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("relu", Napi::Function::New(env, Relu, "relu"));
  exports.Set("reluBackward", Napi::Function::New(env, ReluBackward, "reluBackward"));
}

}  // namespace dniflow
