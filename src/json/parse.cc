// json::Parse: simdjson's DOM parser for speed, the reference parser for error positions and for
// integers beyond uint64.
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "json/object_builder.h"
#include "json/parser_state.h"
#include "json/reference_parser.h"
#include "json/value.h"

namespace rookery::json {

namespace {

namespace dom = simdjson::dom;

// Documents up to this size are parsed with the calling thread's reusable parser; larger ones get
// a parser of their own, so that a thread never keeps more than a few MiB of simdjson buffers.
constexpr size_t kReusableCapacity = size_t{1} << 20;

using internal::ParserState;

// Converts a simdjson element; false if the value nests deeper than max_depth. Recursion depth is
// bounded by max_depth <= kMaxParseDepth.
bool Convert(dom::element e, uint32_t depth, uint32_t max_depth, Value* out) {
  switch (e.type()) {
    case dom::element_type::ARRAY: {
      if (depth >= max_depth) return false;
      dom::array array;
      if (e.get_array().get(array)) return false;
      std::vector<Value> items;
      items.reserve(array.size());
      for (dom::element child : array) {
        items.emplace_back();
        if (!Convert(child, depth + 1, max_depth, &items.back())) return false;
      }
      *out = Value::Array(std::move(items));
      return true;
    }
    case dom::element_type::OBJECT: {
      if (depth >= max_depth) return false;
      dom::object object;
      if (e.get_object().get(object)) return false;
      internal::ObjectBuilder builder;
      builder.Reserve(object.size());
      for (dom::key_value_pair member : object) {
        Value child;
        if (!Convert(member.value, depth + 1, max_depth, &child)) return false;
        builder.Add(member.key, std::move(child));
      }
      *out = builder.Finish();
      return true;
    }
    case dom::element_type::INT64:
      *out = Value::Int(e.get_int64().value_unsafe());
      return true;
    case dom::element_type::UINT64:
      *out = Value::Uint(e.get_uint64().value_unsafe());
      return true;
    case dom::element_type::DOUBLE:
      *out = Value::Double(e.get_double().value_unsafe());
      return true;
    case dom::element_type::STRING:
      *out = Value::String(std::string(e.get_string().value_unsafe()));
      return true;
    case dom::element_type::BOOL:
      *out = Value::Bool(e.get_bool().value_unsafe());
      return true;
    case dom::element_type::NULL_VALUE:
      *out = Value::Null();
      return true;
  }
  return false;
}

}  // namespace

namespace internal {

simdjson::error_code ParserState::Parse(std::string_view text, dom::element* root) {
  if (!allocated) {
    const simdjson::error_code err =
        parser.allocate(std::max<size_t>(text.size(), 64 * 1024), kSimdjsonDepth);
    if (err) return err;
    allocated = true;
  }
  const size_t needed = text.size() + simdjson::SIMDJSON_PADDING;
  if (buffer_capacity < needed) {
    buffer_capacity = std::max(needed, buffer_capacity * 2);
    buffer.reset(new char[buffer_capacity]);  // no zero fill: written below
  }
  if (!text.empty()) std::memcpy(buffer.get(), text.data(), text.size());
  std::memset(buffer.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
  return parser.parse(buffer.get(), text.size(), false).get(*root);
}

namespace {

// A pooled parser is kept only up to this input capacity (simdjson reserves about 14 bytes per
// input byte, touched only as far as a text fills them), and at most kPoolSize of them: the pool
// never pins more than about 112 MiB of address space, and in practice the size of the texts
// recently parsed.
constexpr size_t kPooledCapacity = size_t{4} << 20;
constexpr size_t kPoolSize = 2;

std::mutex pool_mu;
std::vector<std::unique_ptr<ParserState>>& Pool() {
  static auto* pool = new std::vector<std::unique_ptr<ParserState>>();  // never destroyed
  return *pool;
}

}  // namespace

std::unique_ptr<ParserState> AcquireParser() {
  {
    std::lock_guard<std::mutex> lock(pool_mu);
    auto& pool = Pool();
    if (!pool.empty()) {
      auto state = std::move(pool.back());
      pool.pop_back();
      return state;
    }
  }
  return std::make_unique<ParserState>();
}

void ReleaseParser(std::unique_ptr<ParserState> state) {
  if (state == nullptr || state->parser.capacity() > kPooledCapacity) return;
  std::lock_guard<std::mutex> lock(pool_mu);
  if (Pool().size() < kPoolSize) Pool().push_back(std::move(state));
}

}  // namespace internal

Result<Value> Parse(std::string_view text, const ParseOptions& options) {
  const uint32_t max_depth = std::min(options.max_depth, kMaxParseDepth);
  thread_local ParserState reusable;
  std::unique_ptr<ParserState> own;
  ParserState* state = &reusable;
  if (text.size() > kReusableCapacity) {
    own = std::make_unique<ParserState>();
    state = own.get();
  }

  dom::element root;
  const simdjson::error_code err = state->Parse(text, &root);
  if (!err && options.only_root_keys != nullptr && root.type() == dom::element_type::OBJECT) {
    internal::ObjectBuilder builder;  // duplicate keys: the last wins, as in Parse
    bool too_deep = false;
    for (dom::key_value_pair field : dom::object(root)) {
      const auto& keys = *options.only_root_keys;
      if (std::find(keys.begin(), keys.end(), field.key) == keys.end()) continue;
      Value v;
      if (!Convert(field.value, 1, max_depth, &v)) {
        too_deep = true;
        break;
      }
      builder.Add(field.key, std::move(v));
    }
    if (!too_deep) return builder.Finish();
    return internal::ParseReference(text, max_depth);
  }
  if (!err) {
    Value value;
    if (Convert(root, 0, max_depth, &value)) return value;
    // Too deep: the reference parser reports where.
    return internal::ParseReference(text, max_depth);
  }
  // simdjson refused the text. The reference parser finds where; it also accepts what simdjson
  // rejects only for range (integers beyond uint64, which become doubles).
  Result<Value> slow = internal::ParseReference(text, max_depth);
  if (!slow.ok() || err == simdjson::NUMBER_ERROR) return slow;
  if (err == simdjson::CAPACITY || err == simdjson::MEMALLOC) return slow;  // too big for simdjson
  // The parsers disagree: trust the stricter one, without a position.
  return Status::InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(err));
}

}  // namespace rookery::json
