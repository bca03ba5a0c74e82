#include "base/status.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "base/result.h"

namespace rookery {
namespace {

TEST(StatusTest, OkHasNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(s.message().empty());
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = Status::NotFound("users/1 does not exist");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(), "users/1 does not exist");
  EXPECT_EQ(s.ToString(), "NotFound: users/1 does not exist");
}

TEST(StatusTest, CopyIsDeep) {
  Status a = Status::Corruption("page 7");
  Status b = a;
  a = Status::Ok();
  EXPECT_TRUE(a.ok());
  EXPECT_TRUE(b.IsCorruption());
  EXPECT_EQ(b.message(), "page 7");
}

TEST(StatusTest, WithContextPrefixes) {
  EXPECT_EQ(Status::IOError("EIO").WithContext("journal 3").ToString(), "IOError: journal 3: EIO");
  EXPECT_TRUE(Status::Ok().WithContext("x").ok());
}

TEST(StatusTest, ErrnoMapsToActionableCodes) {
  EXPECT_EQ(Status::FromErrno(ENOSPC, "write").code(), Code::kNoSpace);
  EXPECT_EQ(Status::FromErrno(ENOENT, "open").code(), Code::kNotFound);
  EXPECT_EQ(Status::FromErrno(EEXIST, "mkdir").code(), Code::kAlreadyExists);
  EXPECT_EQ(Status::FromErrno(EIO, "fsync").code(), Code::kIOError);
  Status s = Status::FromErrno(ENOSPC, "write data.rookery");
  EXPECT_NE(s.message().find("write data.rookery: "), std::string_view::npos);
}

TEST(StatusTest, EveryCodeHasANameAndDescription) {
  for (int i = 0; i <= static_cast<int>(Code::kInternal); ++i) {
    auto c = static_cast<Code>(i);
    EXPECT_FALSE(CodeName(c).empty());
    EXPECT_NE(CodeName(c), "Unknown");
    EXPECT_FALSE(CodeDescription(c).empty());
  }
  EXPECT_EQ(CodeName(Code::kCorruption), "Corruption");
}

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ROOKERY_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

Status CheckEven(int x) {
  ROOKERY_RETURN_IF_ERROR(Half(x).status());
  return Status::Ok();
}

TEST(ResultTest, ValueAndErrorPropagate) {
  EXPECT_EQ(Quarter(8).value(), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(3).code(), Code::kInvalidArgument);
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 5);
}

TEST(ResultDeathTest, ValueOfFailureAborts) {
  Result<int> r = Status::Internal("boom");
  EXPECT_DEATH((void)r.value(), "value\\(\\) of a failed Result");
}

}  // namespace
}  // namespace rookery
