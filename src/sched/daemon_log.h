// The daemon's log: one line per DaemonEvent, as text or as a JSON object (JSON lines).
//
//   text: 2026-11-30T06:01:00Z run_end run=7 dataset=daily trigger=retry attempt=2 status=failed periods=0
//         line_items=0 duration_ms=60000 error="S3 answered 503 SlowDown" next_retry_at=2026-11-30T06:21:00Z
//   json: {"time":"2026-11-30T06:01:00Z","event":"run_end","run_id":7,"dataset":"daily","trigger":"retry",...}
//
// Fields by event: daemon_start (home, pid, max_concurrent), daemon_stop (home, pid, error when the
// loop failed), run_start (run, dataset, trigger, attempt), run_end (those and status, periods,
// line_items, duration_ms, error when failed or cancelled, next_retry_at when a retry is due,
// final_failure when no retry is left), notify_failed (error). Text values with a space, quote or '='
// are quoted with JSON string escapes. Nothing logged is a secret: events hold none.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "sched/daemon.h"
#include "util/status.h"

namespace billpipe::sched {

enum class LogFormat { kText, kJson };
// "text" | "json"; anything else is kInvalidArgument naming the choices.
Result<LogFormat> ParseLogFormat(std::string_view text);

std::string FormatEventText(const DaemonEvent& event);
std::string FormatEventJson(const DaemonEvent& event);

// Writes events as lines to a stream, flushed per line; thread-safe. Does not own the stream.
class EventLog {
 public:
  EventLog(LogFormat format, std::FILE* out) : format_(format), out_(out) {}
  void Write(const DaemonEvent& event);

 private:
  std::mutex mu_;
  LogFormat format_;
  std::FILE* out_;
};

}  // namespace billpipe::sched
