#include "json/value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace rookery::json {
namespace {

TEST(ValueTest, TypesAndAccessors) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_EQ(Value::Null().type(), Type::kNull);
  EXPECT_TRUE(Value::Bool(true).as_bool());
  EXPECT_EQ(Value::Int(-5).as_int(), -5);
  EXPECT_EQ(Value::Int(-5).as_double(), -5.0);
  EXPECT_EQ(Value::Uint(UINT64_MAX).as_uint(), UINT64_MAX);
  EXPECT_EQ(Value::Double(2.5).as_double(), 2.5);
  EXPECT_EQ(Value::Double(2.5).as_int(), 2);
  EXPECT_EQ(Value::Double(1e300).as_int(), INT64_MAX);
  EXPECT_EQ(Value::Double(-1e300).as_int(), INT64_MIN);
  EXPECT_EQ(Value::Double(-3).as_uint(), 0u);
  EXPECT_EQ(Value::Double(std::nan("")).as_int(), 0);
  EXPECT_TRUE(Value::Double(1).is_number());
  EXPECT_EQ(Value::String("x").as_string(), "x");
  EXPECT_TRUE(Value::Array().is_array());
  EXPECT_TRUE(Value::Object().is_object());
  EXPECT_EQ(Value::Array({Value::Int(1), Value::Int(2)}).items().size(), 2u);
}

TEST(ValueTest, SizeIsCompact) {
  EXPECT_LE(sizeof(Value), 40u);
}

TEST(ValueTest, FindSetRemoveKeepOrder) {
  Value o = Value::Object();
  o.Set("b", Value::Int(1));
  o.Set("a", Value::Int(2));
  o.Set("c", Value::Int(3));
  o.Set("a", Value::String("replaced"));  // keeps its position
  ASSERT_EQ(o.members().size(), 3u);
  EXPECT_EQ(o.members()[0].first, "b");
  EXPECT_EQ(o.members()[1].first, "a");
  EXPECT_EQ(o.members()[1].second.as_string(), "replaced");
  EXPECT_EQ(o.members()[2].first, "c");
  ASSERT_NE(o.Find("c"), nullptr);
  EXPECT_EQ(o.Find("c")->as_int(), 3);
  EXPECT_EQ(o.Find("missing"), nullptr);
}

TEST(ValueTest, RemoveAndPush) {
  Value o = Value::Object({{"x", Value::Int(1)}, {"y", Value::Int(2)}});
  EXPECT_TRUE(o.Remove("x"));
  EXPECT_FALSE(o.Remove("x"));
  EXPECT_EQ(o.members().size(), 1u);
  EXPECT_FALSE(Value::Int(1).Remove("x"));
  EXPECT_EQ(Value::Int(1).Find("x"), nullptr);

  Value a = Value::Array();
  a.Push(Value::Int(1));
  a.Push(Value::String("two"));
  ASSERT_EQ(a.items().size(), 2u);
  EXPECT_EQ(a.items()[1].as_string(), "two");
}

TEST(ValueTest, NullBecomesContainerOnSetOrPush) {
  Value o;
  o.Set("k", Value::Bool(false));
  EXPECT_TRUE(o.is_object());
  Value a;
  a.Push(Value::Null());
  EXPECT_TRUE(a.is_array());
  EXPECT_EQ(a.items().size(), 1u);
}

TEST(ValueTest, Equality) {
  EXPECT_EQ(Value(), Value::Null());
  EXPECT_EQ(Value::Int(5), Value::Uint(5));
  EXPECT_EQ(Value::Uint(5), Value::Int(5));
  EXPECT_NE(Value::Int(-1), Value::Uint(UINT64_MAX));
  EXPECT_NE(Value::Int(1), Value::Double(1.0));
  EXPECT_EQ(Value::Double(0.5), Value::Double(0.5));
  EXPECT_NE(Value::Double(0.0), Value::Double(-0.0));
  EXPECT_EQ(Value::Double(std::nan("")), Value::Double(std::nan("")));
  EXPECT_NE(Value::Bool(true), Value::Bool(false));
  EXPECT_NE(Value::String("a"), Value::String("b"));
  EXPECT_NE(Value::Null(), Value::Bool(false));
  Value o1 = Value::Object({{"a", Value::Int(1)}, {"b", Value::Int(2)}});
  Value o2 = Value::Object({{"b", Value::Int(2)}, {"a", Value::Int(1)}});
  EXPECT_NE(o1, o2);  // member order matters
  EXPECT_EQ(o1, Value::Object({{"a", Value::Int(1)}, {"b", Value::Int(2)}}));
  EXPECT_EQ(Value::Array({o1, Value::Array()}), Value::Array({o1, Value::Array()}));
  EXPECT_NE(Value::Array({o1}), Value::Array({o2}));
}

TEST(ValueTest, CopyAndMove) {
  Value o = Value::Object({{"a", Value::Array({Value::String("s")})}});
  Value copy = o;
  EXPECT_EQ(copy, o);
  Value moved = std::move(copy);
  EXPECT_EQ(moved, o);
}

}  // namespace
}  // namespace rookery::json
