#include <gtest/gtest.h>

#include "json/value.h"

namespace rookery::json {
namespace {

TEST(RoundTripTest, Simple) {
  auto v = Parse(R"({"a":1.0,"b":-0.0,"c":1e300})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(Serialize(*v), R"({"a":1.0,"b":-0.0,"c":1e+300})");
}

}  // namespace
}  // namespace rookery::json
