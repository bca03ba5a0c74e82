#include <gtest/gtest.h>

#include <string>

#include "json/value.h"

namespace rookery::json {
namespace {

TEST(ParseTest, Basics) {
  auto v = Parse(R"( {"a": [1, -2, 3.5, "x", true, false, null], "b": {}} )");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(Serialize(*v), R"({"a":[1,-2,3.5,"x",true,false,null],"b":{}})");
}

}  // namespace
}  // namespace rookery::json
