// Internal to src/js: the object bridge, json::Value <-> V8 values built and walked from C++.
//
// The runtime's hot path hands documents over as JSON text and parses them inside JavaScript,
// which measured faster (docs/design/js.md); this bridge serves the measurement and callers that
// already hold a json::Value. Both bridges follow the same rules: integers become JS numbers
// (rounded beyond 2^53, as in RavenDB); on the way back integral numbers in int64 range become
// integers, other numbers doubles, NaN and infinities null, Dates ISO strings with 7 fractional
// digits, undefined / functions / symbols are omitted from objects and null in arrays.
#pragma once

#include <v8.h>

#include "base/result.h"
#include "json/value.h"

namespace rookery::js::internal {

v8::MaybeLocal<v8::Value> ToV8(v8::Isolate* isolate, v8::Local<v8::Context> context,
                               const json::Value& value);

// The number rule of both bridges: NaN and infinities are null, integral values in int64 range
// integers (RavenDB writes them as long), others doubles.
json::Value NumberValue(double d);

// Applies NumberValue to every number of a value parsed from JSON.stringify output, whose
// shortest-form integers beyond 2^53 ("4611686018427388000" for 2^62) are not the exact value
// the JavaScript number held.
void NormalizeNumbers(json::Value* value);

// Fails (kInvalidArgument) on cycles, nesting deeper than 512 levels, BigInt values
// outside int64, or a getter that throws (the exception stays pending in the caller's TryCatch).
Result<json::Value> FromV8(v8::Isolate* isolate, v8::Local<v8::Context> context,
                           v8::Local<v8::Value> value);

}  // namespace rookery::js::internal
