#include "json/text.h"

#include <gtest/gtest.h>

#include <string>

namespace rookery::json {
namespace {

TEST(TextTest, AsciiAndLatin1) {
  EXPECT_EQ(LowerInvariant("Hello, WORLD 123 _@"), "hello, world 123 _@");
  EXPECT_EQ(LowerInvariant("ÀÉÎÕÜÝÞ"), "àéîõüýþ");
  EXPECT_EQ(LowerInvariant("×÷ß"), "×÷ß");  // multiply, divide and sharp s have no lower form
  EXPECT_EQ(LowerInvariant(""), "");
}

TEST(TextTest, LatinExtended) {
  EXPECT_EQ(LowerInvariant("ĀĂĄĆČĎĐĘĚĞĦĪĮĲĶĹĻĽŁŃŇŊŌŐŒŔŘŚŞŠŢŤŦŪŮŰŲŴŶŸŹŻŽ"),
            "āăąćčďđęěğħīįĳķĺļľłńňŋōőœŕřśşšţťŧūůűųŵŷÿźżž");
  EXPECT_EQ(LowerInvariant("āăą"), "āăą");  // already lower: unchanged
  EXPECT_EQ(LowerInvariant("İ"), "i");      // simple mapping of capital I with dot
  EXPECT_EQ(LowerInvariant("ı"), "ı");      // dotless i stays
  EXPECT_EQ(LowerInvariant("ǄǅǇǈǊǋǍǛǞǱǲȀȚȺɃ"), "ǆǆǉǉǌǌǎǜǟǳǳȁțⱥƀ");
  EXPECT_EQ(LowerInvariant("ƁƆƏƐƓƔƟƩƱƷ"), "ɓɔəɛɠɣɵʃʊʒ");
  EXPECT_EQ(LowerInvariant("ḀẞẠỸ"), "ḁßạỹ");
}

TEST(TextTest, GreekAndCyrillic) {
  EXPECT_EQ(LowerInvariant("ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ"), "αβγδεζηθικλμνξοπρστυφχψω");
  EXPECT_EQ(LowerInvariant("ΆΈΉΊΌΎΏΪΫ"), "άέήίόύώϊϋ");
  EXPECT_EQ(LowerInvariant("ς"), "ς");  // final sigma is not folded to σ
  EXPECT_EQ(LowerInvariant("ἈὈᾼῸΩ"), "ἀὀᾳὸω");
  EXPECT_EQ(LowerInvariant("АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"), "абвгдежзийклмнопрстуфхцчшщъыьэюя");
  EXPECT_EQ(LowerInvariant("ЀЁЂЃЄЅІЇЈЉЊЋЌЍЎЏ"), "ѐёђѓєѕіїјљњћќѝўџ");
  EXPECT_EQ(LowerInvariant("ѠҊӀӁӐԀ"), "ѡҋӏӂӑԁ");
  EXPECT_EQ(LowerInvariant("ԱՖ"), "աֆ");
}

TEST(TextTest, OtherBlocksAndSigns) {
  EXPECT_EQ(LowerInvariant("ＡＺ"), "ａｚ");
  EXPECT_EQ(LowerInvariant("ⅠⅯ"), "ⅰⅿ");
  EXPECT_EQ(LowerInvariant("ⒶⓏ"), "ⓐⓩ");
  EXPECT_EQ(LowerInvariant("ΩKÅ"), "ωkå");  // ohm, kelvin, angstrom signs
  EXPECT_EQ(LowerInvariant("日本語 😀"), "日本語 😀");
}

TEST(TextTest, InvalidBytesPassThrough) {
  const std::string bad = std::string("A\xff") + "B\xc3";
  EXPECT_EQ(LowerInvariant(bad), std::string("a\xff") + "b\xc3");
}

TEST(TextTest, LowerIsIdempotentAndMatchesCodePointMapping) {
  for (char32_t cp = 0; cp < 0x20000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    const char32_t lower = LowerInvariant(cp);
    ASSERT_EQ(LowerInvariant(lower), lower) << "code point " << static_cast<uint32_t>(cp);
    std::string one;
    AppendUtf8(cp, &one);
    std::string expected;
    AppendUtf8(lower, &expected);
    ASSERT_EQ(LowerInvariant(one), expected) << "code point " << static_cast<uint32_t>(cp);
    size_t pos = 0;
    ASSERT_EQ(DecodeUtf8(one, &pos), cp);
    ASSERT_EQ(pos, one.size());
  }
}

TEST(TextTest, CompareLowerInvariant) {
  EXPECT_EQ(CompareLowerInvariant("ABC", "abc"), 0);
  EXPECT_EQ(CompareLowerInvariant("Ωmega", "ωMEGA"), 0);
  EXPECT_LT(CompareLowerInvariant("apple", "Banana"), 0);
  EXPECT_GT(CompareLowerInvariant("b", "A"), 0);
  EXPECT_LT(CompareLowerInvariant("ab", "abc"), 0);
  EXPECT_GT(CompareLowerInvariant("abc", "AB"), 0);
  EXPECT_LT(CompareLowerInvariant("z", "é"), 0);  // code point order
  EXPECT_TRUE(EqualsLowerInvariant("ПРИВЕТ", "привет"));
  EXPECT_FALSE(EqualsLowerInvariant("привет", "привет!"));
  // Agrees with comparing the lowered strings bytewise.
  const char* words[] = {"Zebra", "ábc", "ÁBD", "abc", "Ωx", "ωa", "", "日本", "Ⅻ"};
  for (const char* a : words) {
    for (const char* b : words) {
      const int expected = LowerInvariant(a).compare(LowerInvariant(b));
      const int got = CompareLowerInvariant(a, b);
      EXPECT_EQ(expected < 0, got < 0) << a << " vs " << b;
      EXPECT_EQ(expected == 0, got == 0) << a << " vs " << b;
    }
  }
}

}  // namespace
}  // namespace rookery::json
