// UTF-8 helpers shared by the text parsers (json, RQL).
//
// Pure functions on bytes; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rookery {

// Length of the well-formed UTF-8 sequence at s[0..n) (Unicode table 3-7: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 if it is not one. n must be at least 1.
size_t Utf8SequenceLength(const unsigned char* s, size_t n);

// Appends the UTF-8 encoding of code point cp (at most U+10FFFF; the caller has rejected lone
// surrogates).
void AppendUtf8(std::string* out, uint32_t cp);

// The value of a hexadecimal digit, or -1.
int HexDigitValue(char c);

}  // namespace rookery
