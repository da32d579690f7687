#include "util/clock.h"

#include <thread>

namespace billpipe {
namespace {

class SystemClock final : public Clock {
 public:
  SysTime Now() override {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }
  void SleepFor(std::chrono::milliseconds d) override { std::this_thread::sleep_for(d); }
};

}  // namespace

Clock& Clock::System() {
  static SystemClock clock;
  return clock;
}

SysTime FakeClock::Now() {
  std::lock_guard lock(mu_);
  return now_;
}

void FakeClock::SleepFor(std::chrono::milliseconds d) {
  std::lock_guard lock(mu_);
  now_ += d;
  slept_ += d;
}

void FakeClock::Set(SysTime t) {
  std::lock_guard lock(mu_);
  now_ = t;
}

std::chrono::milliseconds FakeClock::TotalSlept() {
  std::lock_guard lock(mu_);
  return slept_;
}

}  // namespace billpipe
