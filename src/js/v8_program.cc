#include "js/v8_program.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "js/projection.h"
#include "js/v8_convert.h"
#include "json/text.h"

namespace rookery::js::internal {
namespace {

// ToV8String, without UTF-8 decoding for ASCII text (documents mostly are).
v8::MaybeLocal<v8::String> ToV8Text(v8::Isolate* isolate, std::string_view text) {
  // Eight bytes at a time: any byte with its high bit set makes the text non-ASCII.
  uint64_t high = 0;
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    high |= word;
  }
  for (; i < text.size(); ++i) high |= static_cast<unsigned char>(text[i]);
  if ((high & 0x8080808080808080ULL) != 0) return ToV8String(isolate, text);
  if (text.size() > static_cast<size_t>(v8::String::kMaxLength)) return {};
  return v8::String::NewFromOneByte(isolate, reinterpret_cast<const uint8_t*>(text.data()),
                                    v8::NewStringType::kNormal, static_cast<int>(text.size()));
}

v8::Local<v8::String> Literal(v8::Isolate* isolate, const char* text) {
  return v8::String::NewFromUtf8(isolate, text).ToLocalChecked();
}

}  // namespace

V8IndexProgram::~V8IndexProgram() {
  v8::Locker locker(runtime_->isolate());
  v8::Isolate::Scope scope(runtime_->isolate());
  for (CollectionMaps& maps : maps_) maps.fns.Reset();
  for (v8::Global<v8::Function>& entry : entry_points_) entry.Reset();
  context_.Reset();
}

Status V8IndexProgram::Init(const IndexScript& script) {
  v8::Isolate* isolate = runtime_->isolate();
  CallScope call(runtime_);
  v8::Local<v8::Context> context = v8::Context::New(isolate);
  context_.Reset(isolate, context);
  v8::Context::Scope context_scope(context);

  ROOKERY_ASSIGN_OR_RETURN(v8::Local<v8::Value> entries,
                           RunSource(runtime_, context, kPrelude, "rookery-prelude"));
  const char* const names[kEntryPoints] = {"tag",    "runMap",    "runMapObject",
                                           "runKey", "runReduce", "runMapBatch"};
  for (int i = 0; i < kEntryPoints; ++i) {
    entry_points_[i].Reset(isolate, entries.As<v8::Object>()
                                        ->Get(context, Literal(isolate, names[i]))
                                        .ToLocalChecked()
                                        .As<v8::Function>());
  }
  v8::Local<v8::Function> load;
  if (!v8::Function::New(context, &V8IndexProgram::Load, v8::External::New(isolate, this))
           .ToLocal(&load) ||
      context->Global()->Set(context, Literal(isolate, "load"), load).IsNothing()) {
    return Status::Internal("could not install load() in a JavaScript context");
  }

  v8::Local<v8::Object> definition = entries.As<v8::Object>()
                                         ->Get(context, Literal(isolate, "definition"))
                                         .ToLocalChecked()
                                         .As<v8::Object>();
  v8::Local<v8::Array> maps =
      definition->Get(context, Literal(isolate, "maps")).ToLocalChecked().As<v8::Array>();
  if (script.maps.empty()) return Status::InvalidArgument("an index needs at least one map");
  for (const auto& [source_name, source] : script.additional_sources) {
    ROOKERY_ASSIGN_OR_RETURN(
        v8::Local<v8::Value> ignored,
        RunSource(runtime_, context, source, "AdditionalSources['" + source_name + "']"));
    (void)ignored;
  }
  for (size_t i = 0; i < script.maps.size(); ++i) {
    const std::string name = "Maps[" + std::to_string(i) + "]";
    const uint32_t before = maps->Length();
    ROOKERY_ASSIGN_OR_RETURN(v8::Local<v8::Value> ignored,
                             RunSource(runtime_, context, script.maps[i], name));
    (void)ignored;
    if (maps->Length() == before) {
      return Status::InvalidArgument(name + " defines no map: it must call map('Collection', fn)");
    }
  }
  for (uint32_t i = 0; i < maps->Length(); ++i) {
    v8::Local<v8::Object> map = maps->Get(context, i).ToLocalChecked().As<v8::Object>();
    const std::string collection =
        ToUtf8(isolate, map->Get(context, Literal(isolate, "collection")).ToLocalChecked());
    v8::Local<v8::Value> fn = map->Get(context, Literal(isolate, "fn")).ToLocalChecked();
    CollectionMaps* target = const_cast<CollectionMaps*>(Find(collection));
    if (target == nullptr) {
      maps_.push_back(CollectionMaps{collection, "map of '" + collection + "'", {}});
      maps_.back().fns.Reset(isolate, v8::Array::New(isolate));
      collections_.push_back(collection);
      target = &maps_.back();
    }
    v8::Local<v8::Array> fns = target->fns.Get(isolate);
    if (fns->Set(context, fns->Length(), fn).IsNothing()) {
      return Status::Internal("could not register a map function");
    }
    v8::Local<v8::String> source;
    std::optional<std::vector<std::string>> reads;
    if (fn->IsFunction() &&
        fn.As<v8::Function>()->FunctionProtoToString(context).ToLocal(&source)) {
      reads = ReadProperties(ToUtf8(isolate, source));
    }
    if (!reads || !target->reads) {
      target->reads.reset();
    } else {
      for (std::string& name : *reads) {
        auto& all = *target->reads;
        if (std::find(all.begin(), all.end(), name) == all.end()) all.push_back(std::move(name));
      }
    }
  }

  if (!script.reduce.empty()) {
    ROOKERY_ASSIGN_OR_RETURN(v8::Local<v8::Value> ignored,
                             RunSource(runtime_, context, script.reduce, "Reduce"));
    (void)ignored;
    v8::Local<v8::Value> reduce =
        definition->Get(context, Literal(isolate, "reduce")).ToLocalChecked();
    if (!reduce->IsObject() || !reduce.As<v8::Object>()
                                    ->Get(context, Literal(isolate, "aggregateBy"))
                                    .ToLocalChecked()
                                    ->IsFunction()) {
      return Status::InvalidArgument(
          "Reduce must be groupBy(x => key).aggregate(g => result), e.g. groupBy(x => "
          "x.Company).aggregate(g => ({ Company: g.key, Count: g.values.length }))");
    }
    has_reduce_ = true;
  }
  return Status::Ok();
}

const V8IndexProgram::CollectionMaps* V8IndexProgram::Find(std::string_view collection) const {
  for (const CollectionMaps& maps : maps_) {
    if (json::EqualsLowerInvariant(maps.name, collection)) return &maps;
  }
  return nullptr;
}

void V8IndexProgram::Load(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* self = static_cast<V8IndexProgram*>(info.Data().As<v8::External>()->Value());
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  if (info.Length() != 2) {
    isolate->ThrowException(v8::Exception::TypeError(
        Literal(isolate,
                "load(id, collection) expects two arguments: the document id and its collection")));
    return;
  }
  if (info[0]->IsNullOrUndefined()) return;  // RavenDB: load(null, ...) is undefined
  if (!info[0]->IsString() || !info[1]->IsString()) {
    isolate->ThrowException(
        v8::Exception::TypeError(Literal(isolate, "load(id, collection) expects two strings")));
    return;
  }
  info.GetReturnValue().SetNull();
  if (self->source_ == nullptr) return;
  LoadedReference reference{ToUtf8(isolate, info[0]), ToUtf8(isolate, info[1]), false};
  Result<std::optional<std::string>> loaded =
      self->source_->Load(reference.id, reference.collection);
  if (!loaded.ok()) {
    // Reported by RunMap in place of whatever the script makes of this exception.
    self->load_error_ = loaded.status();
    isolate->ThrowException(v8::Exception::Error(Literal(isolate, "load() failed")));
    return;
  }
  reference.found = loaded->has_value();
  bool seen = false;
  for (const LoadedReference& r : *self->references_) seen = seen || r == reference;
  if (!seen) self->references_->push_back(reference);
  if (!reference.found) return;
  v8::Local<v8::String> text;
  v8::Local<v8::Value> doc;
  if (!ToV8String(isolate, **loaded).ToLocal(&text) ||
      !v8::JSON::Parse(context, text).ToLocal(&doc)) {
    return;  // the exception (invalid JSON) propagates to the script
  }
  v8::Local<v8::Value> args[] = {doc, info[0]};
  v8::Local<v8::Value> tagged;
  if (self->Entry(kTag)->Call(context, v8::Undefined(isolate), 2, args).ToLocal(&tagged)) {
    info.GetReturnValue().Set(tagged);
  }
}

Result<std::string> V8IndexProgram::CallText(v8::Local<v8::Function> fn, int argc,
                                             v8::Local<v8::Value>* argv, std::string_view what) {
  v8::Isolate* isolate = runtime_->isolate();
  v8::Local<v8::Context> context = context_.Get(isolate);
  v8::TryCatch try_catch(isolate);
  runtime_->BeginCall();
  v8::Local<v8::Value> result;
  const bool ok = fn->Call(context, v8::Undefined(isolate), argc, argv).ToLocal(&result);
  ROOKERY_RETURN_IF_ERROR(runtime_->EndCall(try_catch, !ok, what));
  return ToUtf8(isolate, result);
}

Result<MapOutput> V8IndexProgram::RunMap(const MapInput& input, DocumentSource* source) {
  v8::Isolate* isolate = runtime_->isolate();
  CallScope call(runtime_);
  v8::Local<v8::Context> context = context_.Get(isolate);
  v8::Context::Scope context_scope(context);
  MapOutput output;
  const CollectionMaps* maps = Find(input.collection);
  if (maps == nullptr) return output;
  v8::Local<v8::String> text;
  v8::Local<v8::String> id;
  if (!ToV8String(isolate, input.json).ToLocal(&text) ||
      !ToV8String(isolate, input.id).ToLocal(&id)) {
    return Status::InvalidArgument("document '" + std::string(input.id) + "' is too large");
  }
  v8::Local<v8::Value> argv[] = {maps->fns.Get(isolate), text, id};
  source_ = source;
  references_ = &output.references;
  load_error_ = Status::Ok();
  Result<std::string> json = CallText(Entry(kRunMap), 3, argv, maps->what);
  source_ = nullptr;
  references_ = nullptr;
  if (!load_error_.ok()) return std::move(load_error_);
  if (!json.ok()) return json.status();
  if (json->empty()) return output;
  ROOKERY_ASSIGN_OR_RETURN(json::Value entries, json::Parse(*json));
  NormalizeNumbers(&entries);
  output.entries = std::move(entries.items());
  return output;
}

Result<MapOutput> V8IndexProgram::RunMapObjects(std::string_view collection,
                                                const json::Value& doc) {
  v8::Isolate* isolate = runtime_->isolate();
  CallScope call(runtime_);
  v8::Local<v8::Context> context = context_.Get(isolate);
  v8::Context::Scope context_scope(context);
  MapOutput output;
  const CollectionMaps* maps = Find(collection);
  if (maps == nullptr) return output;
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> argv[2] = {maps->fns.Get(isolate), {}};
  if (!ToV8(isolate, context, doc).ToLocal(&argv[1])) {
    return Status::InvalidArgument("the document could not be built in JavaScript");
  }
  runtime_->BeginCall();
  v8::Local<v8::Value> result;
  const bool ok =
      Entry(kRunMapObject)->Call(context, v8::Undefined(isolate), 2, argv).ToLocal(&result);
  ROOKERY_RETURN_IF_ERROR(runtime_->EndCall(try_catch, !ok, maps->what));
  ROOKERY_ASSIGN_OR_RETURN(json::Value entries, FromV8(isolate, context, result));
  output.entries = std::move(entries.items());
  return output;
}

Result<json::Value> V8IndexProgram::ReduceKey(const json::Value& entry) {
  if (!has_reduce_) return Status::InvalidArgument("the index has no reduce");
  v8::Isolate* isolate = runtime_->isolate();
  CallScope call(runtime_);
  v8::Local<v8::Context> context = context_.Get(isolate);
  v8::Context::Scope context_scope(context);
  v8::Local<v8::Value> argv[1];
  if (!ToV8String(isolate, json::Serialize(entry)).ToLocal(&argv[0])) {
    return Status::InvalidArgument("a map entry is too large");
  }
  ROOKERY_ASSIGN_OR_RETURN(std::string text, CallText(Entry(kRunKey), 1, argv, "groupBy key"));
  ROOKERY_ASSIGN_OR_RETURN(json::Value key, json::Parse(text));
  NormalizeNumbers(&key);
  return key;
}

Result<std::vector<json::Value>> V8IndexProgram::RunReduce(const std::vector<json::Value>& values) {
  if (values.empty()) return Status::InvalidArgument("reduce needs at least one value");
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ',';
    json::SerializeTo(values[i], &text);
  }
  text += ']';
  return RunReduceText(text);
}

Result<std::vector<json::Value>> V8IndexProgram::RunReduceText(std::string_view values_array) {
  if (!has_reduce_) return Status::InvalidArgument("the index has no reduce");
  if (values_array.size() < 3) return Status::InvalidArgument("reduce needs at least one value");
  v8::Isolate* isolate = runtime_->isolate();
  CallScope call(runtime_);
  v8::Local<v8::Context> context = context_.Get(isolate);
  v8::Context::Scope context_scope(context);
  v8::Local<v8::Value> argv[1];
  if (!ToV8Text(isolate, values_array).ToLocal(&argv[0])) {
    return Status::InvalidArgument("a reduce group is too large");
  }
  ROOKERY_ASSIGN_OR_RETURN(std::string json, CallText(Entry(kRunReduce), 1, argv, "reduce"));
  ROOKERY_ASSIGN_OR_RETURN(json::Value results, json::Parse(json));
  NormalizeNumbers(&results);
  return std::move(results.items());
}

namespace {

// Documents per call of runMapBatch: large enough to share the cost of a call, small enough that
// one failing call (a limit) re-runs few documents alone.
constexpr size_t kMapBatch = 256;

// The reduce key text as ReduceKey + json::Serialize give it, from JavaScript's JSON text. Plain
// strings are the same text in both; anything else is parsed and normalized.
Result<std::string> KeyText(std::string_view js_text) {
  bool plain = js_text.size() >= 2 && js_text.front() == '"' && js_text.back() == '"';
  for (size_t i = 1; plain && i + 1 < js_text.size(); ++i) {
    const char c = js_text[i];
    plain = c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
  }
  if (plain) return std::string(js_text);
  ROOKERY_ASSIGN_OR_RETURN(json::Value key, json::Parse(js_text));
  NormalizeNumbers(&key);
  return json::Serialize(key);
}

}  // namespace

MappedDocument V8IndexProgram::MapOne(const MapInput& input) {
  MappedDocument out;
  auto mapped = RunMap(input, nullptr);
  if (!mapped.ok()) {
    out.status = mapped.status();
    return out;
  }
  for (const json::Value& entry : mapped->entries) {
    if (has_reduce_) {
      auto key = ReduceKey(entry);
      if (!key.ok()) {
        out.status = key.status();
        out.entries.clear();
        out.keys.clear();
        return out;
      }
      out.keys.push_back(json::Serialize(*key));
    }
    out.entries.push_back(json::Serialize(entry));
  }
  return out;
}

Result<bool> V8IndexProgram::MapChunk(const std::vector<MapInput>& inputs,
                                      const std::vector<size_t>& which,
                                      std::vector<MappedDocument>* out) {
  v8::Isolate* isolate = runtime_->isolate();
  CallScope call(runtime_);
  v8::Local<v8::Context> context = context_.Get(isolate);
  v8::Context::Scope context_scope(context);
  const int n = static_cast<int>(which.size());
  v8::Local<v8::Array> fns = v8::Array::New(isolate, n);
  v8::Local<v8::Array> texts = v8::Array::New(isolate, n);
  v8::Local<v8::Array> ids = v8::Array::New(isolate, n);
  for (int i = 0; i < n; ++i) {
    const MapInput& input = inputs[which[i]];
    const CollectionMaps* maps = Find(input.collection);
    std::optional<std::string> projected;
    if (maps->reads) projected = Project(input.json, *maps->reads);
    v8::Local<v8::String> text;
    v8::Local<v8::String> id;
    if (!ToV8Text(isolate, projected ? *projected : input.json).ToLocal(&text) ||
        !ToV8String(isolate, input.id).ToLocal(&id)) {
      return false;  // too large: mapped alone, which reports it
    }
    if (fns->Set(context, i, maps->fns.Get(isolate)).IsNothing() ||
        texts->Set(context, i, text).IsNothing() || ids->Set(context, i, id).IsNothing()) {
      return Status::Internal("could not pass documents to JavaScript");
    }
  }
  v8::Local<v8::Value> argv[] = {fns, texts, ids};
  Result<std::string> result = CallText(Entry(kRunMapBatch), 3, argv, "map");
  if (!result.ok()) return false;  // a limit or an engine failure: each document alone
  std::string_view rest = *result;
  for (int i = 0; i < n; ++i) {
    const size_t end = std::min(rest.find('\x02'), rest.size());
    std::string_view part = rest.substr(0, end);
    rest.remove_prefix(std::min(end + 1, rest.size()));
    MappedDocument& doc = (*out)[which[i]];
    bool failed = part == "\x03";
    while (!failed && !part.empty()) {
      const size_t a = part.find('\x01');
      const size_t b = a == std::string_view::npos ? a : part.find('\x01', a + 1);
      if (b == std::string_view::npos) return Status::Internal("malformed runMapBatch result");
      doc.entries.emplace_back(part.substr(0, a));
      if (has_reduce_) {
        auto key = KeyText(part.substr(a + 1, b - a - 1));
        if (!key.ok()) {
          failed = true;
          break;
        }
        doc.keys.push_back(std::move(key).value());
      }
      part.remove_prefix(b + 1);
    }
    if (failed) doc = MapOne(inputs[which[i]]);  // the document's own error, with its position
  }
  return true;
}

Result<std::vector<MappedDocument>> V8IndexProgram::RunMapBatch(
    const std::vector<MapInput>& inputs) {
  std::vector<MappedDocument> out(inputs.size());
  std::vector<size_t> chunk;
  auto flush = [&]() -> Status {
    if (chunk.empty()) return Status::Ok();
    ROOKERY_ASSIGN_OR_RETURN(bool done, MapChunk(inputs, chunk, &out));
    if (!done) {
      for (size_t i : chunk) out[i] = MapOne(inputs[i]);
    }
    chunk.clear();
    return Status::Ok();
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (Find(inputs[i].collection) == nullptr) continue;  // no map: no entries
    chunk.push_back(i);
    if (chunk.size() == kMapBatch) ROOKERY_RETURN_IF_ERROR(flush());
  }
  ROOKERY_RETURN_IF_ERROR(flush());
  return out;
}

Result<std::unique_ptr<IndexProgram>> CompileProgram(V8Runtime* runtime,
                                                     const IndexScript& script) {
  auto program = std::make_unique<V8IndexProgram>(runtime);
  ROOKERY_RETURN_IF_ERROR(program->Init(script));
  return std::unique_ptr<IndexProgram>(std::move(program));
}

}  // namespace rookery::js::internal
