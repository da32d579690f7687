#include "util/time_zone.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "util/date.h"

namespace billpipe {
namespace {

constexpr size_t kHeaderBytes = 44;           // RFC 8536 3.1
constexpr size_t kMaxZoneFileBytes = 1 << 20;  // real files are a few KB
constexpr int64_t kSecondsPerDay = 86'400;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

uint32_t Be32(std::string_view s, size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(s[at])) << 24 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 3]));
}
int64_t Be64(std::string_view s, size_t at) {
  return static_cast<int64_t>(static_cast<uint64_t>(Be32(s, at)) << 32 | Be32(s, at + 4));
}

}  // namespace

// A POSIX TZ string (IEEE 1003.1 8.3, with RFC 8536's extensions): standard offset and, when it has
// summer time, the rules for its start and end in each year.
struct TimeZone::Rule {
  struct Day {
    char kind = 'M';  // 'M' month.week.weekday, 'J' 1..365 without Feb 29, 'N' 0..365 with it
    int month = 0, week = 0, weekday = 0, day = 0;
  };
  int32_t std_offset = 0;  // local = UTC + offset
  bool has_dst = false;
  int32_t dst_offset = 0;
  Day start, end;
  int32_t start_time = 7200, end_time = 7200;  // local seconds of the day (default 02:00)

  // The day (days since 1970-01-01) a rule names in `year`.
  static int64_t DayIn(const Day& d, int year) {
    Date jan1{year, 1, 1};
    if (d.kind == 'J') {
      bool leap = Date{year, 12, 31}.Days() - jan1.Days() == 365;
      return jan1.Days() + d.day - 1 + (leap && d.day >= 60 ? 1 : 0);
    }
    if (d.kind == 'N') return jan1.Days() + d.day;
    Date first{year, d.month, 1};
    int64_t first_day = first.Days();
    int wd = static_cast<int>(((first_day + 4) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
    int64_t day = first_day + (d.weekday - wd + 7) % 7 + (d.week - 1) * 7;
    int64_t next_month = first.FirstOfNextMonth().Days();
    while (day >= next_month) day -= 7;  // week 5: the last
    return day;
  }

  int32_t OffsetAt(int64_t utc) const {
    if (!has_dst) return std_offset;
    int year = Date::FromDays(FloorDiv(utc + std_offset, kSecondsPerDay)).year;
    int64_t start_utc = DayIn(start, year) * kSecondsPerDay + start_time - std_offset;
    int64_t end_utc = DayIn(end, year) * kSecondsPerDay + end_time - dst_offset;
    bool dst = start_utc < end_utc ? (utc >= start_utc && utc < end_utc) : (utc < end_utc || utc >= start_utc);
    return dst ? dst_offset : std_offset;
  }

  static std::optional<Rule> Parse(std::string_view s) {
    size_t i = 0;
    auto name = [&]() -> bool {
      if (i < s.size() && s[i] == '<') {
        size_t close = s.find('>', i);
        if (close == std::string_view::npos) return false;
        i = close + 1;
        return true;
      }
      size_t start = i;
      while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
      return i > start;
    };
    auto number = [&](int max) -> std::optional<int> {
      size_t start = i;
      int v = 0;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - start < 3) v = v * 10 + (s[i++] - '0');
      if (i == start || v > max) return std::nullopt;
      return v;
    };
    // [+-]hh[:mm[:ss]] in seconds.
    auto time = [&](int max_hours) -> std::optional<int32_t> {
      int sign = 1;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) sign = s[i++] == '-' ? -1 : 1;
      auto h = number(max_hours);
      if (!h) return std::nullopt;
      int32_t v = *h * 3600;
      for (int unit : {60, 1}) {
        if (i >= s.size() || s[i] != ':') break;
        ++i;
        auto part = number(59);
        if (!part) return std::nullopt;
        v += *part * unit;
      }
      return sign * v;
    };
    auto day = [&]() -> std::optional<Day> {
      Day d;
      if (i < s.size() && s[i] == 'M') {
        ++i;
        auto m = number(12);
        if (!m || i >= s.size() || s[i++] != '.') return std::nullopt;
        auto w = number(5);
        if (!w || i >= s.size() || s[i++] != '.') return std::nullopt;
        auto wd = number(6);
        if (!wd || *m < 1 || *w < 1) return std::nullopt;
        d.month = *m, d.week = *w, d.weekday = *wd;
        return d;
      }
      d.kind = 'N';
      if (i < s.size() && s[i] == 'J') {
        d.kind = 'J';
        ++i;
      }
      auto n = number(365);
      if (!n || (d.kind == 'J' && *n < 1)) return std::nullopt;
      d.day = *n;
      return d;
    };
    Rule r;
    if (!name()) return std::nullopt;
    auto std_off = time(24);
    if (!std_off) return std::nullopt;
    r.std_offset = -*std_off;  // POSIX offsets count west of Greenwich
    if (i == s.size()) return r;
    if (!name()) return std::nullopt;
    r.has_dst = true;
    r.dst_offset = r.std_offset + 3600;
    if (i < s.size() && s[i] != ',') {
      auto dst_off = time(24);
      if (!dst_off) return std::nullopt;
      r.dst_offset = -*dst_off;
    }
    if (i == s.size()) {  // no rules: the US ones (POSIX leaves them to the implementation)
      r.start = {'M', 3, 2, 0, 0};
      r.end = {'M', 11, 1, 0, 0};
      return r;
    }
    for (auto [d, t] : {std::pair{&r.start, &r.start_time}, std::pair{&r.end, &r.end_time}}) {
      if (i >= s.size() || s[i++] != ',') return std::nullopt;
      auto parsed = day();
      if (!parsed) return std::nullopt;
      *d = *parsed;
      if (i < s.size() && s[i] == '/') {
        ++i;
        auto at = time(167);
        if (!at) return std::nullopt;
        *t = *at;
      }
    }
    if (i != s.size()) return std::nullopt;
    return r;
  }
};

TimeZone TimeZone::Utc() { return TimeZone(); }

Result<TimeZone> TimeZone::Load(std::string_view name, const std::filesystem::path& zoneinfo) {
  if (name == "UTC" || name == "Etc/UTC") return Utc();
  auto not_a_zone = [&](std::string why) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("'{}' is not a time zone{}: give an IANA name such as Europe/Paris, America/New_York or "
                            "UTC.",
                            name, why));
  };
  bool safe = !name.empty() && name.size() <= 64 && name.front() != '/' && name.find("..") == std::string_view::npos &&
              std::all_of(name.begin(), name.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+';
              });
  if (!safe) return not_a_zone("");
  std::filesystem::path path = zoneinfo / std::string(name);
  std::error_code ec;
  std::string data;
  if (std::filesystem::is_regular_file(path, ec)) {  // a folder ("Europe") would make the stream throw
    std::ifstream in(path, std::ios::binary);
    if (in) data.assign(std::istreambuf_iterator<char>(in), {});
  }
  if (data.size() < kHeaderBytes || data.compare(0, 4, "TZif") != 0 || data.size() > kMaxZoneFileBytes) {
    return not_a_zone(fmt::format(" of the tz database ({})", zoneinfo.string()));
  }
  auto bad = [&] {
    return Fail(ErrorCode::kBadData, fmt::format("The time zone file {} is damaged.", path.string()));
  };
  const char version = data[4];
  // The counts of a header, and the size of the data block that follows it (time_bytes per time).
  struct Counts {
    uint32_t isut, isstd, leap, time, type, chars;
  };
  auto counts = [&](size_t at) {
    return Counts{Be32(data, at + 20), Be32(data, at + 24), Be32(data, at + 28),
                  Be32(data, at + 32), Be32(data, at + 36), Be32(data, at + 40)};
  };
  auto block = [](const Counts& c, size_t time_bytes) {
    return size_t{c.time} * time_bytes + c.time + size_t{c.type} * 6 + c.chars + size_t{c.leap} * (time_bytes + 4) +
           c.isstd + c.isut;
  };
  Counts c = counts(0);
  size_t at = kHeaderBytes;
  size_t time_bytes = 4;
  if (version >= '2') {
    at += block(c, 4);  // skip the 32-bit data
    if (data.size() < at + kHeaderBytes || data.compare(at, 4, "TZif") != 0) return bad();
    c = counts(at);
    at += kHeaderBytes;
    time_bytes = 8;
  }
  if (c.type == 0 || data.size() < at + block(c, time_bytes)) return bad();
  TimeZone zone;
  zone.name_ = std::string(name);
  const size_t times_at = at, indexes_at = at + size_t{c.time} * time_bytes, types_at = indexes_at + c.time;
  std::vector<int32_t> type_offsets;
  for (uint32_t k = 0; k < c.type; ++k) type_offsets.push_back(static_cast<int32_t>(Be32(data, types_at + k * 6)));
  zone.initial_offset_ = type_offsets[0];
  for (uint32_t k = 0; k < c.time; ++k) {
    int64_t t = time_bytes == 8 ? Be64(data, times_at + k * 8) : static_cast<int32_t>(Be32(data, times_at + k * 4));
    auto index = static_cast<unsigned char>(data[indexes_at + k]);
    if (index >= c.type || (!zone.transitions_.empty() && t <= zone.transitions_.back())) return bad();
    zone.transitions_.push_back(t);
    zone.offsets_.push_back(type_offsets[index]);
  }
  if (version >= '2') {
    size_t footer = at + block(c, time_bytes);
    if (footer < data.size() && data[footer] == '\n') {
      size_t end = data.find('\n', footer + 1);
      std::string_view tz(data.data() + footer + 1, (end == std::string::npos ? data.size() : end) - footer - 1);
      if (!tz.empty()) {
        auto rule = Rule::Parse(tz);
        if (!rule) return bad();
        zone.rule_ = std::make_shared<const Rule>(*rule);
      }
    }
  }
  return zone;
}

int32_t TimeZone::RuleOffset(int64_t utc) const { return rule_->OffsetAt(utc); }

std::chrono::seconds TimeZone::OffsetAt(SysTime t) const {
  int64_t utc = FloorDiv(t.time_since_epoch().count(), 1000);
  if (transitions_.empty() || utc < transitions_.front()) {
    if (transitions_.empty() && rule_) return std::chrono::seconds(RuleOffset(utc));
    return std::chrono::seconds(initial_offset_);
  }
  if (utc >= transitions_.back() && rule_) return std::chrono::seconds(RuleOffset(utc));
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc);
  return std::chrono::seconds(offsets_[static_cast<size_t>(it - transitions_.begin()) - 1]);
}

SysTime TimeZone::FromLocal(int64_t local) const {
  auto at = [](int64_t seconds) { return SysTime(std::chrono::milliseconds(seconds * 1000)); };
  // Transitions are months apart: the offsets a day before and a day after are the two that can apply.
  int64_t before = OffsetAt(at(local - kSecondsPerDay)).count();
  int64_t after = OffsetAt(at(local + kSecondsPerDay)).count();
  int64_t first = local - before, second = local - after;
  bool first_ok = OffsetAt(at(first)).count() == before;
  bool second_ok = OffsetAt(at(second)).count() == after;
  if (first_ok && second_ok) return at(std::min(first, second));  // a time that happens twice: the first
  if (second_ok) return at(second);
  return at(first);  // also a skipped time: read with the offset before the change, it lands after it
}

}  // namespace billpipe
