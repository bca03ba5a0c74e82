// ParserState: a simdjson DOM parser with its padded input buffer, shared by json::Parse and
// json::Dom. Internal to the json layer (includes simdjson). Not thread-safe; one user at a time.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <memory>
#include <string_view>

#include "json/value.h"

namespace rookery::json::internal {

// simdjson counts the document itself as a level; keep a margin and enforce the real limit while
// converting (or walking).
inline constexpr size_t kSimdjsonDepth = kMaxParseDepth + 2;

struct ParserState {
  simdjson::dom::parser parser;
  std::unique_ptr<char[]> buffer;  // input copy followed by SIMDJSON_PADDING bytes
  size_t buffer_capacity = 0;
  bool allocated = false;

  // Copies `text` into the padded buffer and parses it; `*root` views this state's buffers until
  // the next Parse.
  simdjson::error_code Parse(std::string_view text, simdjson::dom::element* root);
};

// Parsers kept for reuse across threads (json::Dom): each holds buffers of a few times the size
// of the largest text it parsed, so reuse spares the allocation and page faults of a fresh parser
// per large request body. Acquire never fails (a new parser when none is free); Release keeps at
// most a few parsers whose input capacity is below a bound and frees the rest. Thread-safe.
std::unique_ptr<ParserState> AcquireParser();
void ReleaseParser(std::unique_ptr<ParserState> state);

}  // namespace rookery::json::internal
