// Time is injected: everything that reads the time or waits takes a Clock, so tests run without
// sleeping. Time is UTC throughout billpipe.
#pragma once

#include <chrono>
#include <mutex>

namespace billpipe {

using SysTime = std::chrono::sys_time<std::chrono::milliseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SysTime Now() = 0;
  virtual void SleepFor(std::chrono::milliseconds d) = 0;

  // The process-wide real clock.
  static Clock& System();
};

// A clock for tests: Now() is set by hand and SleepFor advances it instantly. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(SysTime start) : now_(start) {}
  SysTime Now() override;
  void SleepFor(std::chrono::milliseconds d) override;
  void Advance(std::chrono::milliseconds d) { SleepFor(d); }
  void Set(SysTime t);
  std::chrono::milliseconds TotalSlept();

 private:
  std::mutex mu_;
  SysTime now_;
  std::chrono::milliseconds slept_{0};
};

}  // namespace billpipe
