#include "sched/daemon_log.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/date.h"
#include "util/escape.h"

namespace billpipe::sched {
namespace {

// Error texts may quote bad input: invalid UTF-8 is replaced, never thrown on.
constexpr auto kReplace = nlohmann::json::error_handler_t::replace;

std::string Iso(SysTime t) { return FormatTimestamp(t.time_since_epoch().count()); }

// The event's fields in order, as JSON values; the text and JSON forms are both made from it.
nlohmann::ordered_json Fields(const DaemonEvent& e) {
  using Kind = DaemonEvent::Kind;
  nlohmann::ordered_json j;
  switch (e.kind) {
    case Kind::kDaemonStart:
      j["home"] = e.home;
      j["pid"] = e.pid;
      j["max_concurrent"] = e.max_concurrent;
      break;
    case Kind::kDaemonStop:
      j["home"] = e.home;
      j["pid"] = e.pid;
      if (!e.error.empty()) j["error"] = ShownMessage(e.error);
      break;
    case Kind::kRunStart:
    case Kind::kRunEnd:
      j["run_id"] = e.run_id;
      j["dataset"] = e.dataset;
      j["trigger"] = std::string(catalog::TriggerName(e.trigger));
      j["attempt"] = e.attempt;
      if (e.kind == Kind::kRunStart) break;
      j["status"] = std::string(catalog::RunStatusName(e.status));
      j["periods"] = e.periods;
      j["line_items"] = e.line_items;
      j["duration_ms"] = e.duration.count();
      if (!e.error.empty()) j["error"] = ShownMessage(e.error);
      if (e.next_retry_at) j["next_retry_at"] = Iso(*e.next_retry_at);
      if (e.final_failure) j["final_failure"] = true;
      break;
    case Kind::kNotifyFailed:
      if (!e.dataset.empty()) j["dataset"] = e.dataset;
      j["error"] = ShownMessage(e.error);
      break;
    case Kind::kCatalogBusy:
      j["error"] = ShownMessage(e.error);
      j["retry_in_ms"] = e.retry_in.count();
      break;
  }
  return j;
}

bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (char c : s) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

}  // namespace

Result<LogFormat> ParseLogFormat(std::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return Fail(ErrorCode::kInvalidArgument, fmt::format("Unknown log format '{}'. Choose text or json.", text));
}

std::string FormatEventText(const DaemonEvent& e) {
  std::string line = fmt::format("{} {}", Iso(e.at), DaemonEventName(e.kind));
  const nlohmann::ordered_json fields = Fields(e);
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    const std::string& key = it.key();
    const auto& value = it.value();
    std::string shown;
    if (value.is_string()) {
      const auto& s = value.get_ref<const std::string&>();
      shown = NeedsQuotes(s) ? nlohmann::json(s).dump(-1, ' ', false, kReplace) : s;
    } else {
      shown = value.dump(-1, ' ', false, kReplace);
    }
    line += fmt::format(" {}={}", key == "run_id" ? "run" : key, shown);
  }
  return line;
}

std::string FormatEventJson(const DaemonEvent& e) {
  nlohmann::ordered_json j;
  j["time"] = Iso(e.at);
  j["event"] = std::string(DaemonEventName(e.kind));
  const nlohmann::ordered_json fields = Fields(e);
  for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = it.value();
  return j.dump(-1, ' ', false, kReplace);
}

void EventLog::Write(const DaemonEvent& event) {
  std::string line = (format_ == LogFormat::kJson ? FormatEventJson(event) : FormatEventText(event)) + "\n";
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace billpipe::sched
