// Case-insensitive text: the one lower-casing rule shared by query evaluation (string equality,
// startsWith, ordering) and indexing (term keys). Both must agree byte for byte, so there is only
// this implementation.
//
// The rule is RavenDB's: culture-invariant, per-code-point ("simple") lower-casing, as .NET's
// char.ToLowerInvariant does. Covered: ASCII, Latin-1, Latin Extended-A/B/Additional, Greek and
// Coptic, Cyrillic (+ Supplement), Armenian, Georgian capitals, Roman numerals, circled letters and
// fullwidth Latin. Everything else maps to itself. Special cases follow the simple mapping: U+0130
// (capital I with dot) becomes 'i'; final sigma U+03C2 stays as it is; U+1E9E (capital sharp s)
// becomes U+00DF. Strings never change length class in a way callers see: the output is valid
// UTF-8 whenever the input is; invalid bytes are copied through unchanged.
//
// Stability: index term keys are persisted, so the table is ours (docs/design/json.md) and must
// not change for existing code points without an index format version bump.
//
// Threads: pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace rookery::json {

// The lower-case form of one code point (itself when it has none).
char32_t LowerInvariant(char32_t code_point);

// The lower-cased form of a UTF-8 string.
std::string LowerInvariant(std::string_view utf8);

// Compares LowerInvariant(a) with LowerInvariant(b) by code point (which is UTF-8 byte order)
// without allocating: <0, 0 or >0.
int CompareLowerInvariant(std::string_view a, std::string_view b);

// LowerInvariant(a) == LowerInvariant(b), without allocating.
inline bool EqualsLowerInvariant(std::string_view a, std::string_view b) {
  return CompareLowerInvariant(a, b) == 0;
}

// Decodes the code point at `*pos` and advances `*pos` past it. An invalid or truncated sequence
// yields its first byte as a value >= 0x110000 (0x110000 + byte) and advances one byte, so that
// callers can copy it through and invalid input still orders deterministically.
char32_t DecodeUtf8(std::string_view text, size_t* pos);

// Appends the UTF-8 encoding of a code point < 0x110000 (or, for a value produced by DecodeUtf8
// from an invalid byte, that byte).
void AppendUtf8(char32_t code_point, std::string* out);

}  // namespace rookery::json
