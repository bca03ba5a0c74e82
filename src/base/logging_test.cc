#include "base/logging.h"

#include <gtest/gtest.h>

namespace rookery::log {
namespace {

TEST(LoggingTest, ParsesOurNamesAndRavenDbModes) {
  EXPECT_EQ(ParseLevel("info"), Level::kInfo);
  EXPECT_EQ(ParseLevel("DEBUG"), Level::kDebug);
  EXPECT_EQ(ParseLevel("warning"), Level::kWarn);
  // RavenDB Logs.Mode values.
  EXPECT_EQ(ParseLevel("None"), Level::kOff);
  EXPECT_EQ(ParseLevel("Operations"), Level::kWarn);
  EXPECT_EQ(ParseLevel("Information"), Level::kInfo);
  EXPECT_EQ(ParseLevel("loud"), std::nullopt);
}

TEST(LoggingTest, InitSetsLevelAndIsIdempotent) {
  Init(Level::kWarn);
  EXPECT_EQ(GetLevel(), Level::kWarn);
  EXPECT_EQ(spdlog::get_level(), spdlog::level::warn);
  Init(Level::kDebug);
  EXPECT_EQ(GetLevel(), Level::kDebug);
  EXPECT_EQ(LevelName(GetLevel()), "debug");
}

}  // namespace
}  // namespace rookery::log
