// Batch normalisation over x viewed as [batch, channels, spatial] (spatial = 1 for [B, C]), on the
// caller's arrays. It reproduces src/tensor/batch-norm-kernels.ts operation for operation (float64
// sums in the same order, float64 intermediates rounded only when stored, no fused multiply-add),
// so both backends give the same bits; see that file for the semantics.
// For [B, C] every loop walks memory row by row with per-channel accumulators, which vectorises
// across channels without reordering any channel's sum.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "args.h"
#include "kernels.h"
#include "vector_clones.h"

namespace dniflow {

DNIFLOW_VECTOR_CLONES
void BatchNormFeatureStatistics(const float* __restrict x, float* __restrict runningMean,
                                float* __restrict runningVar, double* __restrict mean, double* __restrict invStd,
                                int64_t batch, int64_t channels, double momentum, double eps) {
  for (int64_t c = 0; c < channels; c++) mean[c] = 0;
  for (int64_t b = 0; b < batch; b++) {
    const float* row = x + b * channels;
    for (int64_t c = 0; c < channels; c++) mean[c] += static_cast<double>(row[c]);
  }
  const double count = static_cast<double>(batch);
  for (int64_t c = 0; c < channels; c++) mean[c] /= count;
  // Two passes (mean first) so the variance does not suffer the cancellation of E[x²] − E[x]².
  double* squares = invStd;
  for (int64_t c = 0; c < channels; c++) squares[c] = 0;
  for (int64_t b = 0; b < batch; b++) {
    const float* row = x + b * channels;
    for (int64_t c = 0; c < channels; c++) {
      const double d = static_cast<double>(row[c]) - mean[c];
      squares[c] += d * d;
    }
  }
  for (int64_t c = 0; c < channels; c++) {
    const double sumSquares = squares[c];
    invStd[c] = 1 / std::sqrt(sumSquares / count + eps);
    runningMean[c] = static_cast<float>((1 - momentum) * runningMean[c] + momentum * mean[c]);
    runningVar[c] = static_cast<float>((1 - momentum) * runningVar[c] + momentum * (sumSquares / (count - 1)));
  }
}

void BatchNormSpatialStatistics(const float* __restrict x, float* __restrict runningMean,
                                float* __restrict runningVar, double* __restrict mean, double* __restrict invStd,
                                int64_t batch, int64_t channels, int64_t spatial, double momentum, double eps) {
  const double count = static_cast<double>(batch * spatial);
  for (int64_t c = 0; c < channels; c++) {
    double sum = 0;
    for (int64_t b = 0; b < batch; b++) {
      const float* plane = x + (b * channels + c) * spatial;
      for (int64_t s = 0; s < spatial; s++) sum += static_cast<double>(plane[s]);
    }
    const double m = sum / count;
    double squares = 0;
    for (int64_t b = 0; b < batch; b++) {
      const float* plane = x + (b * channels + c) * spatial;
      for (int64_t s = 0; s < spatial; s++) {
        const double d = static_cast<double>(plane[s]) - m;
        squares += d * d;
      }
    }
    mean[c] = m;
    invStd[c] = 1 / std::sqrt(squares / count + eps);
    runningMean[c] = static_cast<float>((1 - momentum) * runningMean[c] + momentum * m);
    runningVar[c] = static_cast<float>((1 - momentum) * runningVar[c] + momentum * (squares / (count - 1)));
  }
}

DNIFLOW_VECTOR_CLONES
void BatchNormNormalise(const float* __restrict x, float* __restrict normalised, float* __restrict output,
                        const float* __restrict gamma, const float* __restrict beta, const double* __restrict mean,
                        const double* __restrict invStd, int64_t batch, int64_t channels, int64_t spatial) {
  if (spatial == 1) {
    for (int64_t b = 0; b < batch; b++) {
      const int64_t row = b * channels;
      for (int64_t c = 0; c < channels; c++) {
        const double v = (static_cast<double>(x[row + c]) - mean[c]) * invStd[c];
        normalised[row + c] = static_cast<float>(v);
        output[row + c] = static_cast<float>(static_cast<double>(gamma[c]) * v + static_cast<double>(beta[c]));
      }
    }
    return;
  }
  for (int64_t b = 0; b < batch; b++) {
    for (int64_t c = 0; c < channels; c++) {
      const int64_t base = (b * channels + c) * spatial;
      const double m = mean[c];
      const double s = invStd[c];
      const double g = gamma[c];
      const double shift = beta[c];
      for (int64_t i = base; i < base + spatial; i++) {
        const double v = (static_cast<double>(x[i]) - m) * s;
        normalised[i] = static_cast<float>(v);
        output[i] = static_cast<float>(g * v + shift);
      }
    }
  }
}

DNIFLOW_VECTOR_CLONES
void BatchNormFeatureBackward(const float* __restrict gy, const float* __restrict xhat, float* __restrict gx,
                              const float* __restrict gamma, const double* __restrict invStd,
                              float* __restrict gradGamma, float* __restrict gradBeta, double* __restrict sumGrad,
                              double* __restrict sumGradXhat, int64_t batch, int64_t channels, bool training) {
  for (int64_t c = 0; c < channels; c++) {
    sumGrad[c] = 0;
    sumGradXhat[c] = 0;
  }
  for (int64_t b = 0; b < batch; b++) {
    const int64_t row = b * channels;
    for (int64_t c = 0; c < channels; c++) {
      const double g = gy[row + c];
      sumGrad[c] += g;
      sumGradXhat[c] += g * static_cast<double>(xhat[row + c]);
    }
  }
  // From here the sums hold mean(gy) and mean(gy·x̂) (0 in evaluation).
  const double count = static_cast<double>(batch);
  for (int64_t c = 0; c < channels; c++) {
    gradGamma[c] = static_cast<float>(static_cast<double>(gradGamma[c]) + sumGradXhat[c]);
    gradBeta[c] = static_cast<float>(static_cast<double>(gradBeta[c]) + sumGrad[c]);
    sumGrad[c] = training ? sumGrad[c] / count : 0;
    sumGradXhat[c] = training ? sumGradXhat[c] / count : 0;
  }
  for (int64_t b = 0; b < batch; b++) {
    const int64_t row = b * channels;
    for (int64_t c = 0; c < channels; c++) {
      const int64_t i = row + c;
      gx[i] = static_cast<float>(static_cast<double>(gamma[c]) * invStd[c] *
                                 (static_cast<double>(gy[i]) - sumGrad[c] - static_cast<double>(xhat[i]) * sumGradXhat[c]));
    }
  }
}

void BatchNormSpatialBackward(const float* __restrict gy, const float* __restrict xhat, float* __restrict gx,
                              const float* __restrict gamma, const double* __restrict invStd,
                              float* __restrict gradGamma, float* __restrict gradBeta, int64_t batch,
                              int64_t channels, int64_t spatial, bool training) {
  const double count = static_cast<double>(batch * spatial);
  for (int64_t c = 0; c < channels; c++) {
    double sumGrad = 0;
    double sumGradXhat = 0;
    for (int64_t b = 0; b < batch; b++) {
      const int64_t base = (b * channels + c) * spatial;
      for (int64_t i = base; i < base + spatial; i++) {
        sumGrad += static_cast<double>(gy[i]);
        sumGradXhat += static_cast<double>(gy[i]) * static_cast<double>(xhat[i]);
      }
    }
    gradGamma[c] = static_cast<float>(static_cast<double>(gradGamma[c]) + sumGradXhat);
    gradBeta[c] = static_cast<float>(static_cast<double>(gradBeta[c]) + sumGrad);
    const double scale = static_cast<double>(gamma[c]) * invStd[c];
    const double meanGrad = training ? sumGrad / count : 0;
    const double meanGradXhat = training ? sumGradXhat / count : 0;
    for (int64_t b = 0; b < batch; b++) {
      const int64_t base = (b * channels + c) * spatial;
      for (int64_t i = base; i < base + spatial; i++) {
        gx[i] = static_cast<float>(scale * (static_cast<double>(gy[i]) - meanGrad -
                                            static_cast<double>(xhat[i]) * meanGradXhat));
      }
    }
  }
}

namespace {

struct BatchNormSizes {
  int64_t batch, channels, spatial, elements;
};

BatchNormSizes ArgSizes(const Napi::CallbackInfo& info, size_t first, const std::string& fn) {
  BatchNormSizes s{};
  s.batch = ArgInt(info, first, fn, "batch", 1);
  s.channels = ArgInt(info, first + 1, fn, "channels", 1);
  s.spatial = ArgInt(info, first + 2, fn, "spatial", 1);
  s.elements = s.batch * s.channels * s.spatial;
  return s;
}

std::string Layout(const BatchNormSizes& s) {
  return "[" + std::to_string(s.batch) + ", " + std::to_string(s.channels) + ", " + std::to_string(s.spatial) +
         "]";
}

// batchNormForward(x, normalised, output, gamma, beta, runningMean, runningVar, mean, invStd,
//                  batch, channels, spatial, training, momentum, eps)
Napi::Value BatchNormForward(const Napi::CallbackInfo& info) {
  const std::string fn = "batchNormForward";
  Napi::Env env = info.Env();
  ExpectArgCount(info, 15, fn);
  const FloatView x = ArgFloat32Array(info, 0, fn, "x");
  const FloatView normalised = ArgFloat32Array(info, 1, fn, "normalised");
  const FloatView output = ArgFloat32Array(info, 2, fn, "output");
  const FloatView gamma = ArgFloat32Array(info, 3, fn, "gamma");
  const FloatView beta = ArgFloat32Array(info, 4, fn, "beta");
  const FloatView runningMean = ArgFloat32Array(info, 5, fn, "runningMean");
  const FloatView runningVar = ArgFloat32Array(info, 6, fn, "runningVar");
  const DoubleView mean = ArgFloat64Array(info, 7, fn, "mean");
  const DoubleView invStd = ArgFloat64Array(info, 8, fn, "invStd");
  const BatchNormSizes s = ArgSizes(info, 9, fn);
  const bool training = ArgBool(info, 12, fn, "training");
  const double momentum = ArgNumber(info, 13, fn, "momentum");
  const double eps = ArgNumber(info, 14, fn, "eps");
  const std::string layout = "an input " + Layout(s);
  const std::string perChannel = "a per-channel vector [" + std::to_string(s.channels) + "]";
  ExpectLength(env, fn, "x", x, s.elements, layout);
  ExpectLength(env, fn, "normalised", normalised, s.elements, layout);
  ExpectLength(env, fn, "output", output, s.elements, layout);
  for (const auto& [name, view] : {std::pair{"gamma", gamma}, std::pair{"beta", beta},
                                    std::pair{"runningMean", runningMean}, std::pair{"runningVar", runningVar}}) {
    ExpectLength(env, fn, name, view, s.channels, perChannel);
  }
  ExpectLength(env, fn, "mean", mean, s.channels, perChannel);
  ExpectLength(env, fn, "invStd", invStd, s.channels, perChannel);
  ExpectDisjoint(env, fn, "normalised", normalised, s.elements, "x", x, s.elements);
  ExpectDisjoint(env, fn, "output", output, s.elements, "x", x, s.elements);
  ExpectDisjoint(env, fn, "output", output, s.elements, "normalised", normalised, s.elements);
  ExpectDisjoint(env, fn, "runningMean", runningMean, s.channels, "runningVar", runningVar, s.channels);
  if (mean.data + s.channels > invStd.data && invStd.data + s.channels > mean.data) {
    Fail(env, fn, "mean overlaps invStd in memory; the outputs must not alias");
  }

  if (!training) {
    for (int64_t c = 0; c < s.channels; c++) {
      mean.data[c] = runningMean.data[c];
      invStd.data[c] = 1 / std::sqrt(static_cast<double>(runningVar.data[c]) + eps);
    }
  } else if (s.spatial == 1) {
    BatchNormFeatureStatistics(x.data, runningMean.data, runningVar.data, mean.data, invStd.data, s.batch,
                               s.channels, momentum, eps);
  } else {
    BatchNormSpatialStatistics(x.data, runningMean.data, runningVar.data, mean.data, invStd.data, s.batch,
                               s.channels, s.spatial, momentum, eps);
  }
  BatchNormNormalise(x.data, normalised.data, output.data, gamma.data, beta.data, mean.data, invStd.data, s.batch,
                     s.channels, s.spatial);
  return env.Undefined();
}

// batchNormBackward(gradOutput, normalised, gradInput, gamma, invStd, gradGamma, gradBeta,
//                   batch, channels, spatial, training)
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  const std::string fn = "batchNormBackward";
  Napi::Env env = info.Env();
  ExpectArgCount(info, 11, fn);
  const FloatView gy = ArgFloat32Array(info, 0, fn, "gradOutput");
  const FloatView xhat = ArgFloat32Array(info, 1, fn, "normalised");
  const FloatView gx = ArgFloat32Array(info, 2, fn, "gradInput");
  const FloatView gamma = ArgFloat32Array(info, 3, fn, "gamma");
  const DoubleView invStd = ArgFloat64Array(info, 4, fn, "invStd");
  const FloatView gradGamma = ArgFloat32Array(info, 5, fn, "gradGamma");
  const FloatView gradBeta = ArgFloat32Array(info, 6, fn, "gradBeta");
  const BatchNormSizes s = ArgSizes(info, 7, fn);
  const bool training = ArgBool(info, 10, fn, "training");
  const std::string layout = "an input " + Layout(s);
  const std::string perChannel = "a per-channel vector [" + std::to_string(s.channels) + "]";
  ExpectLength(env, fn, "gradOutput", gy, s.elements, layout);
  ExpectLength(env, fn, "normalised", xhat, s.elements, layout);
  ExpectLength(env, fn, "gradInput", gx, s.elements, layout);
  ExpectLength(env, fn, "gamma", gamma, s.channels, perChannel);
  ExpectLength(env, fn, "invStd", invStd, s.channels, perChannel);
  ExpectLength(env, fn, "gradGamma", gradGamma, s.channels, perChannel);
  ExpectLength(env, fn, "gradBeta", gradBeta, s.channels, perChannel);
  ExpectDisjoint(env, fn, "gradInput", gx, s.elements, "gradOutput", gy, s.elements);
  ExpectDisjoint(env, fn, "gradInput", gx, s.elements, "normalised", xhat, s.elements);
  ExpectDisjoint(env, fn, "gradGamma", gradGamma, s.channels, "gradBeta", gradBeta, s.channels);

  if (s.spatial == 1) {
    // Per-channel sums, kept per thread (each worker has its own) and grown on demand.
    thread_local std::vector<double> sums;
    if (sums.size() < static_cast<size_t>(2 * s.channels)) sums.resize(2 * s.channels);
    BatchNormFeatureBackward(gy.data, xhat.data, gx.data, gamma.data, invStd.data, gradGamma.data, gradBeta.data,
                             sums.data(), sums.data() + s.channels, s.batch, s.channels, training);
  } else {
    BatchNormSpatialBackward(gy.data, xhat.data, gx.data, gamma.data, invStd.data, gradGamma.data, gradBeta.data,
                             s.batch, s.channels, s.spatial, training);
  }
  return env.Undefined();
}

}  // namespace

void RegisterBatchNormKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormForward", Napi::Function::New(env, BatchNormForward, "batchNormForward"));
  exports.Set("batchNormBackward", Napi::Function::New(env, BatchNormBackward, "batchNormBackward"));
}

}  // namespace dniflow
