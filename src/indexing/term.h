// Term keys: how indexed values sort in an index's term trees (docs/formats/index.md).
//
// A term key is a type tag followed by an order-preserving encoding of the value, so a B+tree
// range scan over term keys visits values in a useful order and an equality or prefix lookup is a
// key-prefix scan:
//   0x10                    null
//   0x20 / 0x21             false / true
//   0x30 + 8 bytes          a number as a double, sign-flipped big-endian (so -1 < 0 < 2.5)
//   0x40 + text + 00 01     a string, lower-cased (json::LowerInvariant's rules), each 0x00
//                           byte written as 00 FF; the 00 01 terminator makes "a" < "a\0" < "ab"
// Arrays are not terms (their elements are); objects are not indexed by term.
//
// Term lookups only narrow the candidates: the query evaluates every candidate's entry exactly,
// so a term scan must return a superset of the matches (lower-casing, number rounding to double
// and case-insensitivity all err on the side of more candidates).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "json/value.h"

namespace rookery::indexing {

inline constexpr char kTermNull = 0x10;
inline constexpr char kTermFalse = 0x20;
inline constexpr char kTermTrue = 0x21;
inline constexpr char kTermNumber = 0x30;
inline constexpr char kTermString = 0x40;

// The term key of a scalar (nullopt for arrays and objects).
std::optional<std::string> EncodeTerm(const json::Value& value);
std::string EncodeNumberTerm(double d);
std::string EncodeStringTerm(std::string_view text);
// A string term without its terminator: every string starting with `prefix` (case-insensitively)
// has a term key starting with this.
std::string EncodeStringPrefix(std::string_view prefix);

// The lower-casing used for string terms.
std::string LowerForTerm(std::string_view text);

}  // namespace rookery::indexing
