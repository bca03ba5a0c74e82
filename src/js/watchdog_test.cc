#include "js/watchdog.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace rookery::js {
namespace {

TEST(Watchdog, FiresOnlyWhenTheDeadlinePasses) {
  std::atomic<int> fired{0};
  Watchdog watchdog([&] { fired++; });
  // Disarmed well before its deadline: never fires.
  watchdog.Arm(std::chrono::milliseconds(60000));
  EXPECT_FALSE(watchdog.Disarm());
  EXPECT_EQ(fired.load(), 0);
  // Left armed: fires once (waits for it rather than timing it).
  watchdog.Arm(std::chrono::milliseconds(1));
  while (fired.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_TRUE(watchdog.Disarm());
  EXPECT_EQ(fired.load(), 1);
  // A zero limit arms nothing.
  watchdog.Arm(std::chrono::milliseconds(0));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_FALSE(watchdog.Disarm());
  EXPECT_EQ(fired.load(), 1);
}

}  // namespace
}  // namespace rookery::js
