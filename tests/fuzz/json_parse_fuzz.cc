// libFuzzer target for json::Parse.
//
// For arbitrary bytes: Parse must not crash; it must agree with the reference parser on whether
// the text is JSON and on the value; and an accepted value must survive the serialize/parse
// fixed point (Serialize(Parse(Serialize(v))) == Serialize(v), values equal). Any mismatch aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json/reference_parser.h"
#include "json/value.h"

namespace {

[[noreturn]] void Die(const char* what, std::string_view input, std::string_view detail) {
  std::fprintf(stderr, "json_parse_fuzz: %s\ninput (%zu bytes): %.*s\ndetail: %.*s\n", what,
               input.size(), static_cast<int>(input.size()), input.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rookery::json;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ParseOptions options{.max_depth = 64};

  auto fast = Parse(text, options);
  auto slow = internal::ParseReference(text, options.max_depth);
  if (fast.ok() != slow.ok()) {
    Die("Parse and the reference parser disagree", text,
        fast.ok() ? slow.status().ToString() : fast.status().ToString());
  }
  if (!fast.ok()) {
    if (fast.status().message().find("invalid JSON at line ") == std::string_view::npos) {
      Die("error without a position", text, fast.status().ToString());
    }
    return 0;
  }
  if (!(*fast == *slow)) Die("parsers built different values", text, Serialize(*slow));

  const std::string once = Serialize(*fast);
  auto again = Parse(once, options);
  if (!again.ok()) Die("serialized output does not parse", text, again.status().ToString());
  if (!(*again == *fast)) Die("value changed through serialize/parse", text, once);
  const std::string twice = Serialize(*again);
  if (twice != once) Die("serialization is not a fixed point", text, twice);
  return 0;
}
