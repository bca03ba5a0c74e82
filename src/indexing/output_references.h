// Reference documents of an output collection: RavenDB's
// PatternForOutputReduceToCollectionReferences
// ("reports/daily/{OrderedAt:yyyy-MM-dd}"). Each reduce output maps to the reference document whose
// id is the pattern filled in with the output's fields; the reference document lists the ids of the
// output documents mapping to it. Syntax, value formatting and the errors:
// docs/formats/index.md ("Reference documents"). Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "json/value.h"

namespace rookery::indexing {

struct ReferencePattern {
  struct Part {
    std::string text;    // literal text, or the field name when is_field
    std::string format;  // is_field: the text after ':' ("" = none)
    bool is_field = false;
  };
  std::string pattern;  // as given
  std::vector<Part> parts;
};

// Parses a pattern; kInvalidArgument with RavenDB's message when it names no field ("Provided
// pattern is not supported: ...") or a field twice ("Pattern should contain unique fields only.
// Duplicated field: 'X'").
Result<ReferencePattern> ParseReferencePattern(std::string_view pattern);

// The reference document id of one reduce output (an object). kInvalidArgument with RavenDB's
// message when a field is missing or null, cannot be formatted, or the id ends with '/' or '|'.
Result<std::string> BuildReferenceId(const ReferencePattern& pattern, const json::Value& output);

// One value as the pattern writes it (exposed for tests): see docs/formats/index.md.
Result<std::string> FormatPatternValue(const json::Value& value, std::string_view format,
                                       std::string_view field);

}  // namespace rookery::indexing
