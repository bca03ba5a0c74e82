#include "js/v8_convert.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "js/v8_runtime.h"

namespace rookery::js::internal {
namespace {

v8::Local<v8::Value> Scalar(v8::Isolate* isolate, const json::Value& value) {
  switch (value.type()) {
    case json::Type::kBool:
      return v8::Boolean::New(isolate, value.as_bool());
    case json::Type::kInt:
      return v8::Number::New(isolate, static_cast<double>(value.as_int()));
    case json::Type::kUint:
      return v8::Number::New(isolate, static_cast<double>(value.as_uint()));
    case json::Type::kDouble:
      return v8::Number::New(isolate, value.as_double());
    default:
      return v8::Null(isolate);
  }
}

// The default ParseOptions::max_depth; deep enough for documents, shallow enough for the stack of
// a sanitizer build (each level is a recursive call).
constexpr uint32_t kMaxDepth = 512;

class Reader {
 public:
  Reader(v8::Isolate* isolate, v8::Local<v8::Context> context)
      : isolate_(isolate), context_(context) {}

  // Sets *out; false with *skip when the value has no JSON form (undefined, function, symbol).
  Status Read(v8::Local<v8::Value> value, json::Value* out, bool* skip, uint32_t depth) {
    *skip = false;
    if (value->IsUndefined() || value->IsFunction() || value->IsSymbol()) {
      *skip = true;
      return Status::Ok();
    }
    if (value->IsNull()) return (*out = json::Value::Null(), Status::Ok());
    if (value->IsBoolean()) return (*out = json::Value::Bool(value->IsTrue()), Status::Ok());
    if (value->IsNumber())
      return (*out = NumberValue(value.As<v8::Number>()->Value()), Status::Ok());
    if (value->IsString()) {
      return (*out = json::Value::String(ToUtf8(isolate_, value)), Status::Ok());
    }
    if (value->IsBigInt()) {
      bool lossless = false;
      const int64_t i = value.As<v8::BigInt>()->Int64Value(&lossless);
      if (!lossless) return Status::InvalidArgument("a BigInt result does not fit in 64 bits");
      return (*out = json::Value::Int(i), Status::Ok());
    }
    if (depth >= kMaxDepth) {
      return Status::InvalidArgument("a result is nested deeper than 512 levels (a cycle?)");
    }
    if (value->IsDate()) {
      const double ms = value.As<v8::Date>()->ValueOf();
      if (!std::isfinite(ms)) return (*out = json::Value::Null(), Status::Ok());
      v8::Local<v8::Value> iso;
      if (!value.As<v8::Object>()->Get(context_, Name("toJSON")).ToLocal(&iso) ||
          !iso->IsFunction() ||
          !iso.As<v8::Function>()->Call(context_, value, 0, nullptr).ToLocal(&iso)) {
        return Status::InvalidArgument("a Date result could not be converted");
      }
      return Read(iso, out, skip, depth + 1);
    }
    if (value->IsArray()) {
      v8::Local<v8::Array> array = value.As<v8::Array>();
      std::vector<json::Value> items;
      items.reserve(array->Length());
      for (uint32_t i = 0; i < array->Length(); ++i) {
        v8::Local<v8::Value> item;
        if (!array->Get(context_, i).ToLocal(&item)) return Thrown();
        json::Value converted;
        bool item_skip = false;
        ROOKERY_RETURN_IF_ERROR(Read(item, &converted, &item_skip, depth + 1));
        items.push_back(std::move(converted));  // skipped items are null, as JSON.stringify
      }
      return (*out = json::Value::Array(std::move(items)), Status::Ok());
    }
    v8::Local<v8::Object> object = value.As<v8::Object>();
    v8::Local<v8::Array> keys;
    if (!object->GetOwnPropertyNames(context_).ToLocal(&keys)) return Thrown();
    std::vector<json::Member> members;
    members.reserve(keys->Length());
    for (uint32_t i = 0; i < keys->Length(); ++i) {
      v8::Local<v8::Value> key;
      v8::Local<v8::Value> member;
      if (!keys->Get(context_, i).ToLocal(&key) || !object->Get(context_, key).ToLocal(&member)) {
        return Thrown();
      }
      json::Value converted;
      bool member_skip = false;
      ROOKERY_RETURN_IF_ERROR(Read(member, &converted, &member_skip, depth + 1));
      if (!member_skip) members.emplace_back(ToUtf8(isolate_, key), std::move(converted));
    }
    return (*out = json::Value::Object(std::move(members)), Status::Ok());
  }

 private:
  v8::Local<v8::String> Name(const char* name) {
    return v8::String::NewFromUtf8(isolate_, name).ToLocalChecked();
  }
  static Status Thrown() { return Status::InvalidArgument("reading a result threw an exception"); }

  v8::Isolate* isolate_;
  v8::Local<v8::Context> context_;
};

}  // namespace

json::Value NumberValue(double d) {
  if (!std::isfinite(d)) return json::Value::Null();
  if (d == std::trunc(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
    return json::Value::Int(static_cast<int64_t>(d));
  }
  return json::Value::Double(d);
}

void NormalizeNumbers(json::Value* value) {
  constexpr int64_t kExact = int64_t{1} << 53;
  switch (value->type()) {
    case json::Type::kInt:
      if (value->as_int() > kExact || value->as_int() < -kExact) {
        *value = NumberValue(static_cast<double>(value->as_int()));
      }
      break;
    case json::Type::kUint:
      *value = NumberValue(static_cast<double>(value->as_uint()));
      break;
    case json::Type::kArray:
      for (json::Value& item : value->items()) NormalizeNumbers(&item);
      break;
    case json::Type::kObject:
      for (json::Member& member : value->members()) NormalizeNumbers(&member.second);
      break;
    default:
      break;
  }
}

v8::MaybeLocal<v8::Value> ToV8(v8::Isolate* isolate, v8::Local<v8::Context> context,
                               const json::Value& value) {
  v8::EscapableHandleScope scope(isolate);
  switch (value.type()) {
    case json::Type::kString: {
      v8::Local<v8::String> s;
      if (!ToV8String(isolate, value.as_string()).ToLocal(&s)) return {};
      return scope.Escape(s);
    }
    case json::Type::kArray: {
      const auto& items = value.items();
      std::vector<v8::Local<v8::Value>> elements;
      elements.reserve(items.size());
      for (const json::Value& item : items) {
        v8::Local<v8::Value> element;
        if (!ToV8(isolate, context, item).ToLocal(&element)) return {};
        elements.push_back(element);
      }
      return scope.Escape(v8::Array::New(isolate, elements.data(), elements.size()));
    }
    case json::Type::kObject: {
      v8::Local<v8::Object> object = v8::Object::New(isolate);
      for (const json::Member& member : value.members()) {
        v8::Local<v8::String> key;
        v8::Local<v8::Value> element;
        if (!ToV8String(isolate, member.first).ToLocal(&key) ||
            !ToV8(isolate, context, member.second).ToLocal(&element) ||
            object->CreateDataProperty(context, key, element).IsNothing()) {
          return {};
        }
      }
      return scope.Escape(object);
    }
    default:
      return scope.Escape(Scalar(isolate, value));
  }
}

Result<json::Value> FromV8(v8::Isolate* isolate, v8::Local<v8::Context> context,
                           v8::Local<v8::Value> value) {
  v8::HandleScope scope(isolate);
  Reader reader(isolate, context);
  json::Value out;
  bool skip = false;
  ROOKERY_RETURN_IF_ERROR(reader.Read(value, &out, &skip, 0));
  return out;
}

}  // namespace rookery::js::internal
