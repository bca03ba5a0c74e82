// Watchdog: calls a function once a deadline passes, unless disarmed first.
//
// The JavaScript runtime arms it around every call into user code and stops a runaway script
// from the watchdog's own thread (V8's TerminateExecution is the one isolate method that may be
// called from another thread). Engine-neutral, so it is tested on its own.
//
// Threads: Arm and Disarm are called by one owner thread; on_expire runs on the watchdog thread
// while the internal mutex is held, so Disarm returning means on_expire is not running and will
// not run for that arming.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace rookery::js {

class Watchdog {
 public:
  explicit Watchdog(std::function<void()> on_expire);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Starts a deadline `limit` from now; a zero limit arms nothing.
  void Arm(std::chrono::milliseconds limit);
  // Cancels the deadline; true if on_expire ran for it.
  bool Disarm();

 private:
  void Loop();

  std::function<void()> on_expire_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false;
  bool fired_ = false;
  bool stop_ = false;
  std::chrono::steady_clock::time_point deadline_;
  // What the watchdog thread sleeps until (max when idle). Arm wakes it only for an earlier
  // deadline, so arming around every call of a steady stream of calls costs no thread switch: the
  // thread wakes at the old deadline, finds the new one later and sleeps again.
  std::chrono::steady_clock::time_point sleeping_until_ =
      std::chrono::steady_clock::time_point::max();
  std::thread thread_;  // last: started once the fields above exist
};

}  // namespace rookery::js
