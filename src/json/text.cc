#include "json/text.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

#include "base/utf8.h"

namespace rookery::json {

namespace {

// One run of the lower-casing table. kShift adds `delta` to every code point of [first, last];
// kPairs maps each code point with the parity of `first` to the next one (Latin Extended and
// Cyrillic lay out capital/small pairs that way) and leaves the others alone.
enum class RunKind : uint8_t { kShift, kPairs };
struct Run {
  char32_t first;
  char32_t last;
  RunKind kind;
  int32_t delta;
};

// Sorted by `first`, not overlapping. Values from the Unicode simple lower-case mappings
// (UnicodeData.txt field 13) for the blocks listed in text.h.
constexpr Run kRuns[] = {
    {0x0041, 0x005A, RunKind::kShift, 0x20},     // A-Z
    {0x00C0, 0x00D6, RunKind::kShift, 0x20},     // Latin-1 capitals (without U+00D7, multiply)
    {0x00D8, 0x00DE, RunKind::kShift, 0x20},     //
    {0x0100, 0x012F, RunKind::kPairs, 1},        // Latin Extended-A
    {0x0130, 0x0130, RunKind::kShift, -0xC7},    // capital I with dot -> i
    {0x0132, 0x0137, RunKind::kPairs, 1},        //
    {0x0139, 0x0148, RunKind::kPairs, 1},        //
    {0x014A, 0x0177, RunKind::kPairs, 1},        //
    {0x0178, 0x0178, RunKind::kShift, -0x79},    // Y with diaeresis -> U+00FF
    {0x0179, 0x017E, RunKind::kPairs, 1},        //
    {0x0181, 0x0181, RunKind::kShift, 0xD2},     // Latin Extended-B (irregular)
    {0x0182, 0x0185, RunKind::kPairs, 1},        //
    {0x0186, 0x0186, RunKind::kShift, 0xCE},     //
    {0x0187, 0x0187, RunKind::kShift, 1},        //
    {0x0189, 0x018A, RunKind::kShift, 0xCD},     //
    {0x018B, 0x018B, RunKind::kShift, 1},        //
    {0x018E, 0x018E, RunKind::kShift, 0x4F},     //
    {0x018F, 0x018F, RunKind::kShift, 0xCA},     //
    {0x0190, 0x0190, RunKind::kShift, 0xCB},     //
    {0x0191, 0x0191, RunKind::kShift, 1},        //
    {0x0193, 0x0193, RunKind::kShift, 0xCD},     //
    {0x0194, 0x0194, RunKind::kShift, 0xCF},     //
    {0x0196, 0x0196, RunKind::kShift, 0xD3},     //
    {0x0197, 0x0197, RunKind::kShift, 0xD1},     //
    {0x0198, 0x0198, RunKind::kShift, 1},        //
    {0x019C, 0x019C, RunKind::kShift, 0xD3},     //
    {0x019D, 0x019D, RunKind::kShift, 0xD5},     //
    {0x019F, 0x019F, RunKind::kShift, 0xD6},     //
    {0x01A0, 0x01A5, RunKind::kPairs, 1},        //
    {0x01A6, 0x01A6, RunKind::kShift, 0xDA},     //
    {0x01A7, 0x01A7, RunKind::kShift, 1},        //
    {0x01A9, 0x01A9, RunKind::kShift, 0xDA},     //
    {0x01AC, 0x01AC, RunKind::kShift, 1},        //
    {0x01AE, 0x01AE, RunKind::kShift, 0xDA},     //
    {0x01AF, 0x01AF, RunKind::kShift, 1},        //
    {0x01B1, 0x01B2, RunKind::kShift, 0xD9},     //
    {0x01B3, 0x01B3, RunKind::kShift, 1},        //
    {0x01B5, 0x01B5, RunKind::kShift, 1},        //
    {0x01B7, 0x01B7, RunKind::kShift, 0xDB},     //
    {0x01B8, 0x01B8, RunKind::kShift, 1},        //
    {0x01BC, 0x01BC, RunKind::kShift, 1},        //
    {0x01C4, 0x01C4, RunKind::kShift, 2},        // DZ with caron
    {0x01C5, 0x01C5, RunKind::kShift, 1},        //
    {0x01C7, 0x01C7, RunKind::kShift, 2},        // LJ
    {0x01C8, 0x01C8, RunKind::kShift, 1},        //
    {0x01CA, 0x01CA, RunKind::kShift, 2},        // NJ
    {0x01CB, 0x01DC, RunKind::kPairs, 1},        // U+01CB, then odd capitals to U+01DB
    {0x01DE, 0x01EF, RunKind::kPairs, 1},        //
    {0x01F1, 0x01F1, RunKind::kShift, 2},        // DZ
    {0x01F2, 0x01F2, RunKind::kShift, 1},        //
    {0x01F4, 0x01F4, RunKind::kShift, 1},        //
    {0x01F6, 0x01F6, RunKind::kShift, -0x61},    //
    {0x01F7, 0x01F7, RunKind::kShift, -0x38},    //
    {0x01F8, 0x021F, RunKind::kPairs, 1},        //
    {0x0220, 0x0220, RunKind::kShift, -0x82},    //
    {0x0222, 0x0233, RunKind::kPairs, 1},        //
    {0x023A, 0x023A, RunKind::kShift, 0x2A2B},   //
    {0x023B, 0x023B, RunKind::kShift, 1},        //
    {0x023D, 0x023D, RunKind::kShift, -0xA3},    //
    {0x023E, 0x023E, RunKind::kShift, 0x2A28},   //
    {0x0241, 0x0241, RunKind::kShift, 1},        //
    {0x0243, 0x0243, RunKind::kShift, -0xC3},    //
    {0x0244, 0x0244, RunKind::kShift, 0x45},     //
    {0x0245, 0x0245, RunKind::kShift, 0x47},     //
    {0x0246, 0x024F, RunKind::kPairs, 1},        //
    {0x0370, 0x0373, RunKind::kPairs, 1},        // Greek and Coptic
    {0x0376, 0x0376, RunKind::kShift, 1},        //
    {0x037F, 0x037F, RunKind::kShift, 0x74},     //
    {0x0386, 0x0386, RunKind::kShift, 0x26},     //
    {0x0388, 0x038A, RunKind::kShift, 0x25},     //
    {0x038C, 0x038C, RunKind::kShift, 0x40},     //
    {0x038E, 0x038F, RunKind::kShift, 0x3F},     //
    {0x0391, 0x03A1, RunKind::kShift, 0x20},     //
    {0x03A3, 0x03AB, RunKind::kShift, 0x20},     //
    {0x03CF, 0x03CF, RunKind::kShift, 8},        //
    {0x03D8, 0x03EF, RunKind::kPairs, 1},        //
    {0x03F4, 0x03F4, RunKind::kShift, -0x3C},    //
    {0x03F7, 0x03F7, RunKind::kShift, 1},        //
    {0x03F9, 0x03F9, RunKind::kShift, -7},       //
    {0x03FA, 0x03FA, RunKind::kShift, 1},        //
    {0x03FD, 0x03FF, RunKind::kShift, -0x82},    //
    {0x0400, 0x040F, RunKind::kShift, 0x50},     // Cyrillic
    {0x0410, 0x042F, RunKind::kShift, 0x20},     //
    {0x0460, 0x0481, RunKind::kPairs, 1},        //
    {0x048A, 0x04BF, RunKind::kPairs, 1},        //
    {0x04C0, 0x04C0, RunKind::kShift, 0x0F},     //
    {0x04C1, 0x04CE, RunKind::kPairs, 1},        //
    {0x04D0, 0x052F, RunKind::kPairs, 1},        // Cyrillic and Cyrillic Supplement
    {0x0531, 0x0556, RunKind::kShift, 0x30},     // Armenian
    {0x10A0, 0x10C5, RunKind::kShift, 0x1C60},   // Georgian Asomtavruli
    {0x10C7, 0x10C7, RunKind::kShift, 0x1C60},   //
    {0x10CD, 0x10CD, RunKind::kShift, 0x1C60},   //
    {0x1E00, 0x1E95, RunKind::kPairs, 1},        // Latin Extended Additional
    {0x1E9E, 0x1E9E, RunKind::kShift, -0x1DBF},  // capital sharp s -> U+00DF
    {0x1EA0, 0x1EFF, RunKind::kPairs, 1},        //
    {0x1F08, 0x1F0F, RunKind::kShift, -8},       // Greek Extended
    {0x1F18, 0x1F1D, RunKind::kShift, -8},       //
    {0x1F28, 0x1F2F, RunKind::kShift, -8},       //
    {0x1F38, 0x1F3F, RunKind::kShift, -8},       //
    {0x1F48, 0x1F4D, RunKind::kShift, -8},       //
    {0x1F59, 0x1F5F, RunKind::kPairs, -8},       // odd ones only: 1F59 1F5B 1F5D 1F5F
    {0x1F68, 0x1F6F, RunKind::kShift, -8},       //
    {0x1F88, 0x1F8F, RunKind::kShift, -8},       //
    {0x1F98, 0x1F9F, RunKind::kShift, -8},       //
    {0x1FA8, 0x1FAF, RunKind::kShift, -8},       //
    {0x1FB8, 0x1FB9, RunKind::kShift, -8},       //
    {0x1FBA, 0x1FBB, RunKind::kShift, -0x4A},    //
    {0x1FBC, 0x1FBC, RunKind::kShift, -9},       //
    {0x1FC8, 0x1FCB, RunKind::kShift, -0x56},    //
    {0x1FCC, 0x1FCC, RunKind::kShift, -9},       //
    {0x1FD8, 0x1FD9, RunKind::kShift, -8},       //
    {0x1FDA, 0x1FDB, RunKind::kShift, -0x64},    //
    {0x1FE8, 0x1FE9, RunKind::kShift, -8},       //
    {0x1FEA, 0x1FEB, RunKind::kShift, -0x70},    //
    {0x1FEC, 0x1FEC, RunKind::kShift, -7},       //
    {0x1FF8, 0x1FF9, RunKind::kShift, -0x80},    //
    {0x1FFA, 0x1FFB, RunKind::kShift, -0x7E},    //
    {0x1FFC, 0x1FFC, RunKind::kShift, -9},       //
    {0x2126, 0x2126, RunKind::kShift, -0x1D5D},  // ohm sign -> omega
    {0x212A, 0x212A, RunKind::kShift, -0x20BF},  // kelvin sign -> k
    {0x212B, 0x212B, RunKind::kShift, -0x2046},  // angstrom sign -> U+00E5
    {0x2132, 0x2132, RunKind::kShift, 0x1C},     // turned capital F
    {0x2160, 0x216F, RunKind::kShift, 0x10},     // Roman numerals
    {0x2183, 0x2183, RunKind::kShift, 1},        //
    {0x24B6, 0x24CF, RunKind::kShift, 0x1A},     // circled Latin capitals
    {0xFF21, 0xFF3A, RunKind::kShift, 0x20},     // fullwidth A-Z
};

}  // namespace

char32_t LowerInvariant(char32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 0x20 : cp;
  // The last run starting at or before cp.
  const Run* end = std::end(kRuns);
  const Run* it = std::upper_bound(std::begin(kRuns), end, cp,
                                   [](char32_t c, const Run& r) { return c < r.first; });
  if (it == std::begin(kRuns)) return cp;
  const Run& run = *(it - 1);
  if (cp > run.last) return cp;
  if (run.kind == RunKind::kPairs && ((cp - run.first) & 1) != 0) return cp;
  return static_cast<char32_t>(static_cast<int64_t>(cp) + run.delta);
}

char32_t DecodeUtf8(std::string_view text, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const size_t i = *pos;
  const unsigned char b0 = byte(i);
  const char32_t invalid = 0x110000 + b0;
  if (b0 < 0x80) {
    *pos = i + 1;
    return b0;
  }
  size_t len;
  char32_t cp;
  char32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    *pos = i + 1;
    return invalid;
  }
  if (i + len > text.size()) {
    *pos = i + 1;
    return invalid;
  }
  for (size_t k = 1; k < len; ++k) {
    const unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) {
      *pos = i + 1;
      return invalid;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    *pos = i + 1;
    return invalid;
  }
  *pos = i + len;
  return cp;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp >= 0x110000) {  // an invalid byte DecodeUtf8 passed through
    out->push_back(static_cast<char>(cp - 0x110000));
  } else {
    rookery::AppendUtf8(out, static_cast<uint32_t>(cp));
  }
}

std::string LowerInvariant(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  size_t pos = 0;
  while (pos < utf8.size()) {
    const unsigned char b = static_cast<unsigned char>(utf8[pos]);
    if (b < 0x80) {  // ASCII fast path
      out.push_back(static_cast<char>(b >= 'A' && b <= 'Z' ? b + 0x20 : b));
      ++pos;
      continue;
    }
    AppendUtf8(LowerInvariant(DecodeUtf8(utf8, &pos)), &out);
  }
  return out;
}

int CompareLowerInvariant(std::string_view a, std::string_view b) {
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    const char32_t ca = LowerInvariant(DecodeUtf8(a, &i));
    const char32_t cb = LowerInvariant(DecodeUtf8(b, &j));
    if (ca != cb) return ca < cb ? -1 : 1;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

}  // namespace rookery::json
