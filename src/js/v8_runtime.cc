// The V8 runtime: the process-wide platform, one isolate per Runtime, limits and error reporting.
#include "js/v8_runtime.h"

#include <libplatform/libplatform.h>

#include <algorithm>
#include <mutex>
#include <utility>

namespace rookery::js {
namespace internal {
namespace {

// V8 keeps a pointer to the platform for the life of the process; so do we.
v8::Platform* g_platform = nullptr;

}  // namespace

void EnsureV8Initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Threads for V8's background work (GC, compilation), shared by all isolates: small, because
    // indexing already runs one isolate per worker thread on few cores.
    g_platform = v8::platform::NewDefaultPlatform(2).release();
    v8::V8::InitializePlatform(g_platform);
    v8::V8::Initialize();
  });
}

std::string ToUtf8(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  v8::TryCatch nested(isolate);  // a throwing toString() must not escape
  v8::String::Utf8Value utf8(isolate, value);
  if (*utf8 == nullptr) return "(a value that cannot be converted to a string)";
  return std::string(*utf8, utf8.length());
}

v8::MaybeLocal<v8::String> ToV8String(v8::Isolate* isolate, std::string_view text) {
  if (text.size() > static_cast<size_t>(v8::String::kMaxLength)) return {};
  return v8::String::NewFromUtf8(isolate, text.data(), v8::NewStringType::kNormal,
                                 static_cast<int>(text.size()));
}

V8Runtime::V8Runtime(const RuntimeOptions& options) : options_(options) {
  EnsureV8Initialized();
  allocator_.reset(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator_.get();
  params.constraints.ConfigureDefaultsFromHeapSize(0, options_.heap_limit_bytes);
  isolate_ = v8::Isolate::New(params);
  isolate_->AddNearHeapLimitCallback(&V8Runtime::NearHeapLimit, this);
  // Once a stopped script's garbage is collected, the limit raised to let it unwind goes back to
  // the configured one.
  isolate_->AutomaticallyRestoreInitialHeapLimit(0.5);
  watchdog_ = std::make_unique<Watchdog>([isolate = isolate_] { isolate->TerminateExecution(); });
}

V8Runtime::~V8Runtime() {
  watchdog_.reset();  // no termination may target the isolate once it is gone
  isolate_->Dispose();
}

size_t V8Runtime::NearHeapLimit(void* data, size_t current_limit, size_t /*initial_limit*/) {
  auto* self = static_cast<V8Runtime*>(data);
  self->heap_exceeded_.store(true);
  self->isolate_->TerminateExecution();
  // Room to unwind the stopped script; without it V8 aborts the process with an out-of-memory
  // error.
  return current_limit + std::max<size_t>(current_limit / 2, size_t{32} << 20);
}

size_t V8Runtime::HeapUsedBytes() {
  v8::Locker locker(isolate_);
  v8::Isolate::Scope scope(isolate_);
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  return stats.used_heap_size();
}

void V8Runtime::BeginCall() {
  watchdog_->Arm(options_.time_limit);
}

Status V8Runtime::EndCall(const v8::TryCatch& try_catch, bool failed, std::string_view what) {
  const bool timed_out = watchdog_->Disarm();
  const bool heap_exceeded = heap_exceeded_.exchange(false);
  if (timed_out || heap_exceeded || try_catch.HasTerminated()) {
    // A termination requested for this call must not stop the next one.
    isolate_->CancelTerminateExecution();
    if (heap_exceeded) {
      isolate_->LowMemoryNotification();  // collect the stopped script's garbage now
      return Status::NoSpace(std::string(what) + " exceeded the JavaScript heap limit of " +
                             std::to_string(options_.heap_limit_bytes >> 20) +
                             " MiB and was stopped");
    }
    if (timed_out && failed) {
      return Status::Timeout(std::string(what) + " ran longer than the time limit of " +
                             std::to_string(options_.time_limit.count()) + " ms and was stopped");
    }
    if (!failed) return Status::Ok();  // the deadline passed just as the call returned
  }
  if (!failed) return Status::Ok();
  if (!try_catch.HasCaught()) {
    return Status::InvalidArgument(std::string(what) + " failed without a JavaScript exception");
  }
  std::string text = "JavaScript error in " + std::string(what);
  v8::Local<v8::Message> message = try_catch.Message();
  if (!message.IsEmpty()) {
    v8::Local<v8::Context> context = isolate_->GetCurrentContext();
    const int line = message->GetLineNumber(context).FromMaybe(0);
    const int column = message->GetStartColumn(context).FromMaybe(-1) + 1;
    text += " (" + ToUtf8(isolate_, message->GetScriptResourceName());
    if (line > 0) text += " line " + std::to_string(line) + ", column " + std::to_string(column);
    text += ")";
  }
  text += ": " + ToUtf8(isolate_, try_catch.Exception());
  return Status::InvalidArgument(std::move(text));
}

Result<v8::Local<v8::Value>> RunSource(V8Runtime* runtime, v8::Local<v8::Context> context,
                                       std::string_view source, std::string_view source_name) {
  v8::Isolate* isolate = runtime->isolate();
  v8::EscapableHandleScope scope(isolate);
  v8::Local<v8::String> code;
  v8::Local<v8::String> name;
  if (!ToV8String(isolate, source).ToLocal(&code) ||
      !ToV8String(isolate, source_name).ToLocal(&name)) {
    return Status::InvalidArgument(std::string(source_name) + " is too long for JavaScript");
  }
  v8::ScriptOrigin origin(isolate, name);
  v8::TryCatch try_catch(isolate);
  runtime->BeginCall();
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> result;
  const bool ok = v8::Script::Compile(context, code, &origin).ToLocal(&script) &&
                  script->Run(context).ToLocal(&result);
  Status status = runtime->EndCall(try_catch, !ok, source_name);
  if (!status.ok()) return status;
  return scope.Escape(result);
}

Result<std::unique_ptr<IndexProgram>> V8Runtime::Compile(const IndexScript& script) {
  return CompileProgram(this, script);
}

}  // namespace internal

Result<std::unique_ptr<Runtime>> NewRuntime(const RuntimeOptions& options) {
  if (options.heap_limit_bytes < (size_t{16} << 20)) {
    return Status::InvalidArgument("the JavaScript heap limit must be at least 16 MiB");
  }
  return std::unique_ptr<Runtime>(new internal::V8Runtime(options));
}

}  // namespace rookery::js
