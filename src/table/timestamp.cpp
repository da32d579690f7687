#include "table/timestamp.h"

#include <cstring>

#include "util/date.h"

#include <fmt/format.h>

namespace billpipe::table {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kSecondsPerDay = 86'400;

inline bool Digits(const char* p, int n, int* out) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const unsigned d = static_cast<unsigned char>(p[i]) - '0';
    if (d > 9) return false;
    v = v * 10 + static_cast<int>(d);
  }
  *out = v;
  return true;
}

// Two and four ASCII digits, unrolled.
inline bool Digits2(const char* p, int* out) {
  const unsigned a = static_cast<unsigned char>(p[0]) - '0', b = static_cast<unsigned char>(p[1]) - '0';
  if ((a > 9) | (b > 9)) return false;
  *out = static_cast<int>(a * 10 + b);
  return true;
}

inline bool Digits4(const char* p, int* out) {
  int hi, lo;
  if (!Digits2(p, &hi) || !Digits2(p + 2, &lo)) return false;
  *out = hi * 100 + lo;
  return true;
}

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

}  // namespace

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  return ::billpipe::DaysFromCivil(year, month, day);
}

bool TryParseTimestamp(std::string_view text, TimestampMicros* out) {
  // YYYY-MM-DDTHH:MM then Z, or :SS then Z or .f{1,6}Z
  const char* p = text.data();
  const size_t n = text.size();
  if (n < 17 || p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' || p[n - 1] != 'Z') return false;
  int hour, minute, second = 0;
  if (!Digits2(p + 11, &hour) || !Digits2(p + 14, &minute)) return false;
  int64_t micros = 0;
  if (n != 17) {
    if (n < 20 || p[16] != ':' || !Digits2(p + 17, &second)) return false;
    if (n != 20) {
      const size_t fraction = n - 21;  // digits between '.' and 'Z'
      if (p[19] != '.' || fraction < 1 || fraction > 6) return false;
      int value;
      if (!Digits(p + 20, static_cast<int>(fraction), &value)) return false;
      micros = value;
      for (size_t i = fraction; i < 6; ++i) micros *= 10;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return false;
  // A report's timestamps repeat few dates (billing period bounds, one month of usage days): remember
  // the last valid date's text and day number rather than reading, checking and counting it each time.
  struct LastDate {
    uint64_t head = 0;  // the date's text "YYYY-MM-DD" as two integers
    uint16_t tail = 0;
    bool valid = false;
    int64_t days = 0;
  };
  thread_local LastDate last;
  uint64_t head;
  uint16_t tail;
  std::memcpy(&head, p, sizeof head);
  std::memcpy(&tail, p + sizeof head, sizeof tail);
  int64_t days;
  if (last.valid && last.head == head && last.tail == tail) {
    days = last.days;
  } else {
    int year, month, day;
    if (!Digits4(p, &year) || !Digits2(p + 5, &month) || !Digits2(p + 8, &day)) return false;
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return false;
    days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    last.head = head;
    last.tail = tail;
    last.days = days;
    last.valid = true;
  }
  *out = (days * kSecondsPerDay + hour * 3600 + minute * 60 + second) * kMicrosPerSecond + micros;
  return true;
}

Result<TimestampMicros> ParseTimestamp(std::string_view text) {
  TimestampMicros t;
  if (TryParseTimestamp(text, &t)) return t;
  return Fail(ErrorCode::kBadData,
              fmt::format("'{}' is not a UTC timestamp like 2018-05-01T00:00:00Z", text));
}

bool TryParseInterval(std::string_view text, TimestampMicros* start, TimestampMicros* end) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  return TryParseTimestamp(text.substr(0, slash), start) && TryParseTimestamp(text.substr(slash + 1), end) &&
         *end >= *start;
}

std::string FormatTimestamp(TimestampMicros micros) {
  int64_t seconds = micros / kMicrosPerSecond;
  int64_t fraction = micros % kMicrosPerSecond;
  if (fraction < 0) {
    fraction += kMicrosPerSecond;
    --seconds;
  }
  int64_t days = seconds / kSecondsPerDay;
  int64_t rest = seconds % kSecondsPerDay;
  if (rest < 0) {
    rest += kSecondsPerDay;
    --days;
  }
  // Howard Hinnant's civil_from_days.
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", year, month, day, rest / 3600,
                                rest / 60 % 60, rest % 60);
  if (fraction != 0) {
    out += fraction % 1000 == 0 ? fmt::format(".{:03}", fraction / 1000) : fmt::format(".{:06}", fraction);
  }
  return out + "Z";
}

}  // namespace billpipe::table
