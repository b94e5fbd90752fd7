// The elementwise half of one LSTM tick, forward and backward, on the window buffers of
// src/nn/lstm-buffers.ts. It reproduces src/tensor/lstm-kernels.ts operation for operation (float64
// intermediates, rounded to float32 only where that file rounds or stores, the same polynomial
// exponential, no fused multiply-add), so both backends give the same bits; see that file for the
// layout and the formulas. The exponential is branch-free arithmetic (2^n is built from the bits of
// the rounding shifter's sum instead of the TS table; the same value), so the per-row loops
// vectorise with the x86-64-v3/v4 clones.
#include <cstdint>
#include <cstring>
#include <string>

#include "args.h"
#include "kernels.h"
#include "vector_clones.h"

namespace dniflow {

namespace {

constexpr double kLog2e = 1.4426950408889634;
constexpr double kLn2Hi = 0.693145751953125;
constexpr double kLn2Lo = 1.4286068203094173e-6;
constexpr double kRoundShifter = 6755399441055744.0;  // 1.5 · 2^52

inline double LstmExp(double x) {
  const double clamped = x < -80 ? -80 : (x > 80 ? 80 : x);  // NaN passes through
  const double shifted = clamped * kLog2e + kRoundShifter;
  const double n = shifted - kRoundShifter;
  const double r = clamped - n * kLn2Hi - n * kLn2Lo;
  const double p =
      1 + r * (1 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720 +
          r * (1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880 + r * (1.0 / 3628800))))))))));
  // The low bits of `shifted` hold n (two's complement); (n + 1023) << 52 is 2^n as a double.
  uint64_t bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  const uint64_t scaleBits = (bits + 1023) << 52;
  double scale;
  std::memcpy(&scale, &scaleBits, sizeof scale);
  return p * scale;
}

inline double LstmSigmoid(double x) { return 1 / (1 + LstmExp(-x)); }

inline double LstmTanh(double x) { return 1 - 2 / (LstmExp(2 * x) + 1); }

}  // namespace

// One row b of tick t: gates [4H] in place, c_{t−1}, c_t, tanh(c_t), h_t [H] each.
DNIFLOW_VECTOR_CLONES
void LstmTickForwardRow(float* __restrict gates, const float* __restrict cellPrevious, float* __restrict cell,
                        float* __restrict tanhCell, float* __restrict hiddenOut, int64_t hidden) {
  for (int64_t j = 0; j < hidden; j++) {
    const float inputGate = static_cast<float>(LstmSigmoid(gates[j]));
    const float forgetGate = static_cast<float>(LstmSigmoid(gates[hidden + j]));
    const float candidate = static_cast<float>(LstmTanh(gates[2 * hidden + j]));
    const float outputGate = static_cast<float>(LstmSigmoid(gates[3 * hidden + j]));
    gates[j] = inputGate;
    gates[hidden + j] = forgetGate;
    gates[2 * hidden + j] = candidate;
    gates[3 * hidden + j] = outputGate;
    const float c = static_cast<float>(static_cast<double>(forgetGate) * cellPrevious[j] +
                                       static_cast<double>(inputGate) * candidate);
    cell[j] = c;
    const float tc = static_cast<float>(LstmTanh(c));
    tanhCell[j] = tc;
    hiddenOut[j] = static_cast<float>(static_cast<double>(outputGate) * tc);
  }
}

// One row b of tick t backward; gradOutput is null for no per-tick gradient (the loop is written
// twice, by the template, so that neither has a branch in it).
template <bool kGradOutput>
inline void LstmTickBackwardRowLoop(const float* __restrict gates, const float* __restrict cellPrevious,
                                    const float* __restrict tanhCell, const float* __restrict gradOutput,
                                    const float* __restrict gradHidden, float* __restrict gradCell,
                                    float* __restrict gradGates, int64_t hidden) {
  for (int64_t j = 0; j < hidden; j++) {
    const double inputGate = gates[j];
    const double forgetGate = gates[hidden + j];
    const double candidate = gates[2 * hidden + j];
    const double outputGate = gates[3 * hidden + j];
    const double tc = tanhCell[j];
    const double dHidden = static_cast<double>(gradHidden[j]) + (kGradOutput ? static_cast<double>(gradOutput[j]) : 0.0);
    const double dCell = static_cast<double>(gradCell[j]) + dHidden * outputGate * (1 - tc * tc);
    gradGates[j] = static_cast<float>(dCell * candidate * inputGate * (1 - inputGate));
    gradGates[hidden + j] =
        static_cast<float>(dCell * static_cast<double>(cellPrevious[j]) * forgetGate * (1 - forgetGate));
    gradGates[2 * hidden + j] = static_cast<float>(dCell * inputGate * (1 - candidate * candidate));
    gradGates[3 * hidden + j] = static_cast<float>(dHidden * tc * outputGate * (1 - outputGate));
    gradCell[j] = static_cast<float>(dCell * forgetGate);
  }
}

DNIFLOW_VECTOR_CLONES
void LstmTickBackwardRow(const float* __restrict gates, const float* __restrict cellPrevious,
                         const float* __restrict tanhCell, const float* __restrict gradOutput,
                         const float* __restrict gradHidden, float* __restrict gradCell,
                         float* __restrict gradGates, int64_t hidden) {
  if (gradOutput == nullptr) {
    LstmTickBackwardRowLoop<false>(gates, cellPrevious, tanhCell, nullptr, gradHidden, gradCell, gradGates, hidden);
  } else {
    LstmTickBackwardRowLoop<true>(gates, cellPrevious, tanhCell, gradOutput, gradHidden, gradCell, gradGates, hidden);
  }
}

namespace {

// Checks shared by both bindings: batch, hidden, t and the window's T from the gates' length.
struct TickShape {
  int64_t batch;
  int64_t hidden;
  int64_t t;
  int64_t ticks;
};

TickShape ArgTickShape(const Napi::CallbackInfo& info, size_t first, const std::string& fn,
                       const FloatView& gates) {
  TickShape shape;
  shape.batch = ArgInt(info, first, fn, "batch", 1);
  shape.hidden = ArgInt(info, first + 1, fn, "hidden", 1);
  shape.t = ArgInt(info, first + 2, fn, "t", 0);
  const int64_t tickGates = shape.batch * 4 * shape.hidden;
  shape.ticks = gates.length / tickGates;
  if (shape.t >= shape.ticks) {
    Fail(info.Env(), fn,
         "t = " + std::to_string(shape.t) + " is past the window: gates hold " + std::to_string(shape.ticks) +
             " ticks of [batch, 4·hidden]");
  }
  return shape;
}

// lstmTickForward(gates, cells, tanhCells, hiddens, batch, hidden, t)
Napi::Value LstmTickForward(const Napi::CallbackInfo& info) {
  const std::string fn = "lstmTickForward";
  Napi::Env env = info.Env();
  ExpectArgCount(info, 7, fn);
  const FloatView gates = ArgFloat32Array(info, 0, fn, "gates");
  const FloatView cells = ArgFloat32Array(info, 1, fn, "cells");
  const FloatView tanhCells = ArgFloat32Array(info, 2, fn, "tanhCells");
  const FloatView hiddens = ArgFloat32Array(info, 3, fn, "hiddens");
  const TickShape s = ArgTickShape(info, 4, fn, gates);
  const int64_t state = s.batch * s.hidden;
  const int64_t stateRows = (s.t + 2) * state;
  ExpectLength(env, fn, "cells", cells, stateRows, "rows 0..t + 1 of [batch, hidden]");
  ExpectLength(env, fn, "hiddens", hiddens, stateRows, "rows 0..t + 1 of [batch, hidden]");
  ExpectLength(env, fn, "tanhCells", tanhCells, (s.t + 1) * state, "rows 0..t of [batch, hidden]");
  const int64_t gatesUsed = (s.t + 1) * 4 * state;
  ExpectDisjoint(env, fn, "gates", gates, gatesUsed, "cells", cells, stateRows);
  ExpectDisjoint(env, fn, "gates", gates, gatesUsed, "hiddens", hiddens, stateRows);
  ExpectDisjoint(env, fn, "gates", gates, gatesUsed, "tanhCells", tanhCells, (s.t + 1) * state);
  ExpectDisjoint(env, fn, "cells", cells, stateRows, "hiddens", hiddens, stateRows);
  ExpectDisjoint(env, fn, "cells", cells, stateRows, "tanhCells", tanhCells, (s.t + 1) * state);
  ExpectDisjoint(env, fn, "hiddens", hiddens, stateRows, "tanhCells", tanhCells, (s.t + 1) * state);
  for (int64_t b = 0; b < s.batch; b++) {
    const int64_t previous = (s.t * s.batch + b) * s.hidden;
    const int64_t current = previous + state;
    LstmTickForwardRow(gates.data + (s.t * s.batch + b) * 4 * s.hidden, cells.data + previous,
                       cells.data + current, tanhCells.data + previous, hiddens.data + current, s.hidden);
  }
  return env.Undefined();
}

// lstmTickBackward(gates, cells, tanhCells, gradOutputs | null, gradHidden, gradCell, gradGates,
//                  batch, hidden, t)
Napi::Value LstmTickBackward(const Napi::CallbackInfo& info) {
  const std::string fn = "lstmTickBackward";
  Napi::Env env = info.Env();
  ExpectArgCount(info, 10, fn);
  const FloatView gates = ArgFloat32Array(info, 0, fn, "gates");
  const FloatView cells = ArgFloat32Array(info, 1, fn, "cells");
  const FloatView tanhCells = ArgFloat32Array(info, 2, fn, "tanhCells");
  const bool hasGradOutputs = !info[3].IsNull();
  const FloatView gradOutputs = hasGradOutputs ? ArgFloat32Array(info, 3, fn, "gradOutputs") : FloatView{nullptr, 0};
  const FloatView gradHidden = ArgFloat32Array(info, 4, fn, "gradHidden");
  const FloatView gradCell = ArgFloat32Array(info, 5, fn, "gradCell");
  const FloatView gradGates = ArgFloat32Array(info, 6, fn, "gradGates");
  const TickShape s = ArgTickShape(info, 7, fn, gates);
  const int64_t state = s.batch * s.hidden;
  const int64_t tickRows = (s.t + 1) * state;
  const int64_t gatesUsed = (s.t + 1) * 4 * state;
  ExpectLength(env, fn, "cells", cells, tickRows, "rows 0..t of [batch, hidden]");
  ExpectLength(env, fn, "tanhCells", tanhCells, tickRows, "rows 0..t of [batch, hidden]");
  if (hasGradOutputs) ExpectLength(env, fn, "gradOutputs", gradOutputs, tickRows, "rows 0..t of [batch, hidden]");
  ExpectLength(env, fn, "gradHidden", gradHidden, state, "[batch, hidden]");
  ExpectLength(env, fn, "gradCell", gradCell, state, "[batch, hidden]");
  ExpectLength(env, fn, "gradGates", gradGates, gatesUsed, "rows 0..t of [batch, 4·hidden]");
  // Outputs: gradGates and gradCell; every other array is only read.
  ExpectDisjoint(env, fn, "gradGates", gradGates, gatesUsed, "gates", gates, gatesUsed);
  ExpectDisjoint(env, fn, "gradGates", gradGates, gatesUsed, "cells", cells, tickRows);
  ExpectDisjoint(env, fn, "gradGates", gradGates, gatesUsed, "tanhCells", tanhCells, tickRows);
  ExpectDisjoint(env, fn, "gradGates", gradGates, gatesUsed, "gradHidden", gradHidden, state);
  ExpectDisjoint(env, fn, "gradGates", gradGates, gatesUsed, "gradCell", gradCell, state);
  ExpectDisjoint(env, fn, "gradCell", gradCell, state, "gates", gates, gatesUsed);
  ExpectDisjoint(env, fn, "gradCell", gradCell, state, "cells", cells, tickRows);
  ExpectDisjoint(env, fn, "gradCell", gradCell, state, "tanhCells", tanhCells, tickRows);
  ExpectDisjoint(env, fn, "gradCell", gradCell, state, "gradHidden", gradHidden, state);
  if (hasGradOutputs) {
    ExpectDisjoint(env, fn, "gradGates", gradGates, gatesUsed, "gradOutputs", gradOutputs, tickRows);
    ExpectDisjoint(env, fn, "gradCell", gradCell, state, "gradOutputs", gradOutputs, tickRows);
  }
  for (int64_t b = 0; b < s.batch; b++) {
    const int64_t tick = (s.t * s.batch + b) * s.hidden;
    const int64_t gateRow = (s.t * s.batch + b) * 4 * s.hidden;
    LstmTickBackwardRow(gates.data + gateRow, cells.data + tick, tanhCells.data + tick,
                        hasGradOutputs ? gradOutputs.data + tick : nullptr, gradHidden.data + b * s.hidden,
                        gradCell.data + b * s.hidden, gradGates.data + gateRow, s.hidden);
  }
  return env.Undefined();
}

}  // namespace

void RegisterLstmKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("lstmTickForward", Napi::Function::New(env, LstmTickForward, "lstmTickForward"));
  exports.Set("lstmTickBackward", Napi::Function::New(env, LstmTickBackward, "lstmTickBackward"));
}

}  // namespace dniflow
