#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "json/dom.h"
#include "json/reference_parser.h"
#include "json/value.h"

namespace rookery::json {
namespace {

// Random values, seeded. Strings draw from every escape-worthy character plus multi-byte UTF-8.
class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  Value Make(int depth) {
    const int kind = Uniform(0, depth > 5 ? 5 : 7);
    switch (kind) {
      case 0:
        return Value::Null();
      case 1:
        return Value::Bool(Uniform(0, 1) == 1);
      case 2:
        return MakeInteger();
      case 3:
        return Value::Double(MakeDouble());
      case 4:
      case 5:
        return Value::String(MakeString());
      case 6: {
        Value a = Value::Array();
        const int n = Uniform(0, 5);
        for (int i = 0; i < n; ++i) a.Push(Make(depth + 1));
        return a;
      }
      default: {
        Value o = Value::Object();
        const int n = Uniform(0, 5);
        for (int i = 0; i < n; ++i) o.Set(MakeString(), Make(depth + 1));
        return o;
      }
    }
  }

 private:
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  Value MakeInteger() {
    switch (Uniform(0, 5)) {
      case 0:
        return Value::Int(std::numeric_limits<int64_t>::min());
      case 1:
        return Value::Int(std::numeric_limits<int64_t>::max());
      case 2:
        return Value::Uint(std::numeric_limits<uint64_t>::max() - Uniform(0, 3));
      case 3:
        return Value::Uint(uint64_t{1} << 63);
      default:
        return Value::Int(static_cast<int64_t>(rng_()) >> Uniform(0, 63));
    }
  }

  double MakeDouble() {
    switch (Uniform(0, 6)) {
      case 0:
        return 0.0;
      case 1:
        return -0.0;
      case 2:
        return std::numeric_limits<double>::denorm_min();
      case 3:
        return std::numeric_limits<double>::max() * (Uniform(0, 1) ? 1 : -1);
      case 4:
        return static_cast<double>(Uniform(-1000, 1000));  // integral doubles
      default: {
        double d;
        do {
          const uint64_t bits = rng_();
          std::memcpy(&d, &bits, sizeof d);
        } while (!std::isfinite(d));
        return d;
      }
    }
  }

  std::string MakeString() {
    static const char* const kPieces[] = {"a",
                                          "Z",
                                          " ",
                                          "\"",
                                          "\\",
                                          "/",
                                          "\b",
                                          "\f",
                                          "\n",
                                          "\r",
                                          "\t",
                                          "\x01",
                                          "\x1f",
                                          "\x7f",
                                          "\xc3\xa9",
                                          "\xe4\xb8\xad",
                                          "\xf0\x9f\x98\x80",
                                          "\xef\xbf\xbf",
                                          "\xf4\x8f\xbf\xbf",
                                          "key",
                                          "@metadata"};
    std::string s;
    const int n = Uniform(0, 8);
    for (int i = 0; i < n; ++i) {
      if (Uniform(0, 9) == 0) {
        s.push_back('\0');
      } else {
        s += kPieces[Uniform(0, std::size(kPieces) - 1)];
      }
    }
    return s;
  }

  std::mt19937_64 rng_;
};

TEST(RoundTripTest, DoublesKeepTheirType) {
  EXPECT_EQ(Serialize(Value::Double(1.0)), "1.0");
  EXPECT_EQ(Serialize(Value::Double(-0.0)), "-0.0");
  EXPECT_EQ(Serialize(Value::Double(0.1)), "0.1");
  EXPECT_EQ(Serialize(Value::Double(1e300)), "1e+300");
  EXPECT_EQ(Serialize(Value::Double(5e-324)), "5e-324");
  EXPECT_EQ(Serialize(Value::Double(12345678901234567000.0)), "12345678901234567168.0");
  EXPECT_EQ(Serialize(Value::Double(std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(Serialize(Value::Double(-std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(Serialize(Value::Int(INT64_MIN)), "-9223372036854775808");
  EXPECT_EQ(Serialize(Value::Uint(UINT64_MAX)), "18446744073709551615");
}

TEST(RoundTripTest, EscapesEveryControlCharacter) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  const std::string text = Serialize(Value::String(all));
  for (char c : text) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
  auto back = Parse(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->as_string(), all);
}

TEST(RoundTripTest, KeyOrderPreserved) {
  const std::string text = R"({"b":1,"a":{"z":[],"y":{},"x":null},"c":"s"})";
  EXPECT_EQ(Serialize(*Parse(text)), text);
}

TEST(RoundTripTest, FixedPointOnRandomValues) {
  const uint64_t seed = std::random_device{}();
  std::printf("RoundTripTest seed: %llu\n", static_cast<unsigned long long>(seed));
  for (uint64_t s : {uint64_t{1}, uint64_t{2}, uint64_t{3}, seed}) {
    Generator gen(s);
    for (int i = 0; i < 2000; ++i) {
      const Value v = gen.Make(0);
      const std::string once = Serialize(v);
      auto parsed = Parse(once);
      ASSERT_TRUE(parsed.ok()) << "seed " << s << ": " << parsed.status().ToString() << "\n"
                               << once;
      // A generated value has no duplicate keys and only finite doubles: it comes back equal.
      ASSERT_EQ(*parsed, v) << "seed " << s << ": " << once;
      const std::string twice = Serialize(*parsed);
      ASSERT_EQ(twice, once) << "seed " << s;
      auto again = Parse(twice);
      ASSERT_TRUE(again.ok());
      EXPECT_EQ(Serialize(*again), twice) << "seed " << s;
      auto slow = internal::ParseReference(once, 512);
      ASSERT_TRUE(slow.ok()) << slow.status().ToString();
      ASSERT_EQ(*slow, v) << "seed " << s << ": " << once;
      // The tape-reading path (bulk_docs) writes the very same bytes.
      Dom dom;
      ASSERT_TRUE(dom.Parse(once)) << "seed " << s << ": " << once;
      std::string via_dom;
      dom.root().SerializeTo(&via_dom);
      ASSERT_EQ(via_dom, once) << "seed " << s;
    }
  }
}

TEST(RoundTripTest, FixedPointOnTextInput) {
  for (const char* text : {R"({"a":1,"a":2})", "[1E2, 1e-400, -0, 0.10, 18446744073709551616]",
                           R"("\u00e9\/")", " [ ] ", "123456789012345678901234567890"}) {
    auto v = Parse(text);
    ASSERT_TRUE(v.ok()) << text;
    const std::string once = Serialize(*v);
    auto w = Parse(once);
    ASSERT_TRUE(w.ok()) << once;
    EXPECT_EQ(*w, *v) << once;
    EXPECT_EQ(Serialize(*w), once);
  }
}

}  // namespace
}  // namespace rookery::json
