// Registration of the element-wise kernels (ReLU, optimiser steps, batch norm) on the addon's exports.
#pragma once

#include <napi.h>

namespace dniflow {

// relu, reluBackward (relu.cc).
void RegisterReluKernels(Napi::Env env, Napi::Object exports);

// adamStep, sgdStep (optimizer_kernels.cc).
void RegisterOptimizerKernels(Napi::Env env, Napi::Object exports);

// batchNormForward, batchNormBackward (batch_norm.cc).
void RegisterBatchNormKernels(Napi::Env env, Napi::Object exports);

// lstmTickForward, lstmTickBackward (lstm.cc).
void RegisterLstmKernels(Napi::Env env, Napi::Object exports);

}  // namespace dniflow
