#include "js/watchdog.h"

#include <utility>

namespace rookery::js {

Watchdog::Watchdog(std::function<void()> on_expire)
    : on_expire_(std::move(on_expire)), thread_([this] { Loop(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Watchdog::Arm(std::chrono::milliseconds limit) {
  std::lock_guard<std::mutex> lock(mu_);
  fired_ = false;
  armed_ = limit.count() > 0;
  // The deadline is a wall-clock budget: the steady clock is the right clock for an interval and
  // is not a clock read the storage or documents layers would route through Env.
  deadline_ = std::chrono::steady_clock::now() + limit;
  if (armed_ && deadline_ < sleeping_until_) cv_.notify_one();
}

bool Watchdog::Disarm() {
  std::lock_guard<std::mutex> lock(mu_);
  armed_ = false;
  return fired_;
}

void Watchdog::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (!armed_) {
      sleeping_until_ = std::chrono::steady_clock::time_point::max();
      cv_.wait(lock);
      continue;
    }
    sleeping_until_ = deadline_;
    cv_.wait_until(lock, sleeping_until_);
    if (armed_ && std::chrono::steady_clock::now() >= deadline_) {
      armed_ = false;
      fired_ = true;
      on_expire_();
    }
  }
}

}  // namespace rookery::js
