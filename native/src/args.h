// Argument checks shared by the bindings. Every failure throws a JS Error prefixed
// "dniflow/native:" that names the function and the argument, before any memory is touched.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace dniflow {

// A JS-visible error: thrown as Napi::Error by the binding wrappers in addon.cc.
[[noreturn]] void Fail(Napi::Env env, const std::string& fn, const std::string& message);

// Zero-copy view of a Float32Array argument: Data() already includes the view's byteOffset,
// so subarray views address the caller's memory directly.
struct FloatView {
  float* data;
  int64_t length;
};

// The same for a Float64Array (BatchNorm's per-channel statistics are kept in float64).
struct DoubleView {
  double* data;
  int64_t length;
};

FloatView ArgFloat32Array(const Napi::CallbackInfo& info, size_t index, const std::string& fn,
                          const char* name);

DoubleView ArgFloat64Array(const Napi::CallbackInfo& info, size_t index, const std::string& fn,
                           const char* name);

// An integer argument in [min, INT32_MAX] (cblas takes 32-bit ints).
int32_t ArgInt(const Napi::CallbackInfo& info, size_t index, const std::string& fn, const char* name,
               int32_t min);

double ArgNumber(const Napi::CallbackInfo& info, size_t index, const std::string& fn, const char* name);

bool ArgBool(const Napi::CallbackInfo& info, size_t index, const std::string& fn, const char* name);

void ExpectArgCount(const Napi::CallbackInfo& info, size_t count, const std::string& fn);

// Fails unless `view` holds at least `required` floats.
void ExpectLength(Napi::Env env, const std::string& fn, const char* name, const FloatView& view,
                  int64_t required, const std::string& why);

void ExpectLength(Napi::Env env, const std::string& fn, const char* name, const DoubleView& view,
                  int64_t required, const std::string& why);

// Fails if the first `aLength` floats of `a` share memory with the first `bLength` floats of `b`:
// an output that aliases an input would be read after being overwritten.
void ExpectDisjoint(Napi::Env env, const std::string& fn, const char* aName, const FloatView& a,
                    int64_t aLength, const char* bName, const FloatView& b, int64_t bLength);

}  // namespace dniflow
