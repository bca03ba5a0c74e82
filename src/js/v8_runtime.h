// Internal to src/js: the V8 implementation of runtime.h. Only src/js includes this header (it
// pulls in v8.h, which no other layer may see).
#pragma once

#include <v8.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "js/runtime.h"
#include "js/watchdog.h"

namespace rookery::js::internal {

extern const char* const kPrelude;

// Initialises the process-wide V8 platform once (thread-safe); it is never torn down, because V8
// cannot be initialised again in the same process.
void EnsureV8Initialized();

std::string ToUtf8(v8::Isolate* isolate, v8::Local<v8::Value> value);
v8::MaybeLocal<v8::String> ToV8String(v8::Isolate* isolate, std::string_view text);

class V8Runtime final : public Runtime {
 public:
  explicit V8Runtime(const RuntimeOptions& options);
  ~V8Runtime() override;

  Result<std::unique_ptr<IndexProgram>> Compile(const IndexScript& script) override;
  size_t HeapUsedBytes() override;

  v8::Isolate* isolate() const { return isolate_; }

  // Brackets one call into user code: BeginCall arms the time limit; EndCall disarms it, clears
  // a termination (time or heap limit) so the isolate stays usable, and turns a failed call into
  // its Status. `failed` is whether the call returned no value; `what` names the work for
  // messages ("map of 'Posts'", "Maps[0]").
  void BeginCall();
  Status EndCall(const v8::TryCatch& try_catch, bool failed, std::string_view what);

 private:
  static size_t NearHeapLimit(void* data, size_t current_limit, size_t initial_limit);

  RuntimeOptions options_;
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
  v8::Isolate* isolate_ = nullptr;
  std::atomic<bool> heap_exceeded_{false};
  std::unique_ptr<Watchdog> watchdog_;  // after isolate_: it terminates that isolate
};

// The current V8 state for one call on `runtime`: locker, isolate scope, handle scope.
class CallScope {
 public:
  explicit CallScope(V8Runtime* runtime)
      : locker_(runtime->isolate()),
        isolate_scope_(runtime->isolate()),
        handles_(runtime->isolate()) {}

 private:
  v8::Locker locker_;
  v8::Isolate::Scope isolate_scope_;
  v8::HandleScope handles_;
};

// Compiles and runs a program's source in the current context; kInvalidArgument on a syntax or
// run-time error, naming `source_name` and the position.
Result<v8::Local<v8::Value>> RunSource(V8Runtime* runtime, v8::Local<v8::Context> context,
                                       std::string_view source, std::string_view source_name);

Result<std::unique_ptr<IndexProgram>> CompileProgram(V8Runtime* runtime, const IndexScript& script);

}  // namespace rookery::js::internal
