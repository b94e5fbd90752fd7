#include "args.h"

#include <cmath>
#include <limits>

namespace dniflow {

void Fail(Napi::Env env, const std::string& fn, const std::string& message) {
  throw Napi::Error::New(env, "dniflow/native: " + fn + ": " + message);
}

void ExpectArgCount(const Napi::CallbackInfo& info, size_t count, const std::string& fn) {
  if (info.Length() != count) {
    Fail(info.Env(), fn,
         "expects " + std::to_string(count) + " arguments, got " + std::to_string(info.Length()));
  }
}

FloatView ArgFloat32Array(const Napi::CallbackInfo& info, size_t index, const std::string& fn,
                          const char* name) {
  Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    Fail(info.Env(), fn, std::string(name) + " must be a Float32Array");
  }
  Napi::Float32Array array = value.As<Napi::Float32Array>();
  return FloatView{array.Data(), static_cast<int64_t>(array.ElementLength())};
}

DoubleView ArgFloat64Array(const Napi::CallbackInfo& info, size_t index, const std::string& fn,
                           const char* name) {
  Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    Fail(info.Env(), fn, std::string(name) + " must be a Float64Array");
  }
  Napi::Float64Array array = value.As<Napi::Float64Array>();
  return DoubleView{array.Data(), static_cast<int64_t>(array.ElementLength())};
}

int32_t ArgInt(const Napi::CallbackInfo& info, size_t index, const std::string& fn, const char* name,
               int32_t min) {
  Napi::Value value = info[index];
  if (!value.IsNumber()) Fail(info.Env(), fn, std::string(name) + " must be a number");
  double x = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(x) || std::floor(x) != x || x < min ||
      x > static_cast<double>(std::numeric_limits<int32_t>::max())) {
    Fail(info.Env(), fn,
         std::string(name) + " must be an integer in [" + std::to_string(min) + ", 2147483647], got " +
             value.ToString().Utf8Value());
  }
  return static_cast<int32_t>(x);
}

double ArgNumber(const Napi::CallbackInfo& info, size_t index, const std::string& fn, const char* name) {
  Napi::Value value = info[index];
  if (!value.IsNumber()) Fail(info.Env(), fn, std::string(name) + " must be a number");
  return value.As<Napi::Number>().DoubleValue();
}

bool ArgBool(const Napi::CallbackInfo& info, size_t index, const std::string& fn, const char* name) {
  Napi::Value value = info[index];
  if (!value.IsBoolean()) Fail(info.Env(), fn, std::string(name) + " must be a boolean");
  return value.As<Napi::Boolean>().Value();
}

void ExpectLength(Napi::Env env, const std::string& fn, const char* name, const FloatView& view,
                  int64_t required, const std::string& why) {
  if (view.length < required) {
    Fail(env, fn,
         std::string(name) + " has " + std::to_string(view.length) + " elements but " + why + " needs " +
             std::to_string(required));
  }
}

void ExpectLength(Napi::Env env, const std::string& fn, const char* name, const DoubleView& view,
                  int64_t required, const std::string& why) {
  if (view.length < required) {
    Fail(env, fn,
         std::string(name) + " has " + std::to_string(view.length) + " elements but " + why + " needs " +
             std::to_string(required));
  }
}

void ExpectDisjoint(Napi::Env env, const std::string& fn, const char* aName, const FloatView& a,
                    int64_t aLength, const char* bName, const FloatView& b, int64_t bLength) {
  if (aLength <= 0 || bLength <= 0) return;
  auto aStart = reinterpret_cast<uintptr_t>(a.data);
  auto bStart = reinterpret_cast<uintptr_t>(b.data);
  uintptr_t aEnd = aStart + static_cast<uintptr_t>(aLength) * sizeof(float);
  uintptr_t bEnd = bStart + static_cast<uintptr_t>(bLength) * sizeof(float);
  if (aStart < bEnd && bStart < aEnd) {
    Fail(env, fn, std::string(aName) + " overlaps " + bName + " in memory; the output must not alias an input");
  }
}

}  // namespace dniflow
