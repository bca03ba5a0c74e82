// A plain byte-at-a-time JSON parser, internal to the json layer.
//
// Parse() runs simdjson first; this parser is the slow path behind it, for the two things
// simdjson cannot do: say *where* malformed input goes wrong (simdjson reports only an error
// category), and read integers beyond uint64 (simdjson refuses them; we read them as doubles, as
// RavenDB does). It accepts exactly the language Parse documents, builds the same Values, and is
// iterative: nesting is limited by max_depth, never by the stack. The fuzz target compares the
// two parsers on arbitrary input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/result.h"
#include "base/status.h"
#include "json/value.h"

namespace rookery::json::internal {

// Parses `text`; errors are positioned, as documented for json::Parse.
Result<Value> ParseReference(std::string_view text, uint32_t max_depth);

// kInvalidArgument "invalid JSON at line L, column C (byte B): <what>".
Status ErrorAt(std::string_view text, size_t byte, std::string_view what);

}  // namespace rookery::json::internal
