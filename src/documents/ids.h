// Small pure helpers of the documents layer: id lowering, generated ids, database ids, change
// vectors, dates and wildcard patterns. No I/O; the randomness and the clock come from callers.
// Formats: docs/formats/documents.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rookery::documents {

// RavenDB's limit on a document id, in bytes of UTF-8.
inline constexpr size_t kMaxIdSize = 512;

// ASCII lowering (A-Z only); every other byte is kept. Ids and collection names are compared in
// this form.
std::string Lower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// A random (version 4) GUID, lowercase "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", from two 64-bit
// random values.
std::string FormatGuid(uint64_t hi, uint64_t lo);

// 16 random bytes (from two 64-bit values) as 22 characters of URL-safe base64, no padding.
std::string FormatDatabaseId(uint64_t hi, uint64_t lo);

// "<node>:<etag>-<database id>".
std::string FormatChangeVector(std::string_view node_tag, uint64_t etag,
                               std::string_view database_id);

// The etag zero-padded to 19 digits (ids generated for "prefix/").
std::string FormatEtagId(uint64_t etag);

// ISO-8601 UTC with 7 fractional digits: "2024-05-01T10:20:30.1234560Z".
std::string FormatDate(uint64_t micros_since_epoch);
// Parses "YYYY-MM-DDTHH:MM:SS[.f{1,7}][Z]" (UTC; a trailing "Z" or nothing) into microseconds
// since the epoch (negative before 1970); nullopt when malformed.
std::optional<int64_t> ParseDate(std::string_view text);

// Wildcard match with '*' (any run, also empty) and '?' (one byte), ASCII case-insensitive.
bool WildcardMatch(std::string_view pattern, std::string_view text);
// True if any of the '|'-separated patterns matches (empty patterns are skipped). With no
// non-empty pattern, returns `if_empty`.
bool MatchesAny(std::string_view patterns, std::string_view text, bool if_empty);

}  // namespace rookery::documents
