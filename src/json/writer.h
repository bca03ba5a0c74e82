// JsonWriter: appends compact JSON text to a string.
//
// The caller is responsible for structure (matching Begin/End, a Key before each value inside an
// object); the writer handles commas, escaping and number formatting. Strings are escaped as JSON
// requires; bytes >= 0x80 are passed through, so valid UTF-8 in stays valid UTF-8 out. Not
// thread-safe; cheap to construct.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rookery::json {

class JsonWriter {
 public:
  JsonWriter() = default;
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Inserts already-valid JSON text as one value.
  JsonWriter& Raw(std::string_view json);

  // Key plus value in one call.
  JsonWriter& Field(std::string_view key, std::string_view value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, const char* value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, int64_t value) { return Key(key).Int(value); }
  JsonWriter& Field(std::string_view key, int value) { return Key(key).Int(value); }
  JsonWriter& Field(std::string_view key, uint64_t value) { return Key(key).Uint(value); }
  JsonWriter& Field(std::string_view key, bool value) { return Key(key).Bool(value); }

  const std::string& str() const { return *out_; }
  std::string Take() { return std::move(*out_); }

 private:
  void BeforeValue();

  std::string own_;
  std::string* out_ = &own_;
  // One entry per open container: true once it holds a first element.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

// Appends `value` as a quoted, escaped JSON string.
void AppendQuoted(std::string* out, std::string_view value);

}  // namespace rookery::json
