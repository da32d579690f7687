#include "table/timestamp.h"

#include <gtest/gtest.h>

#include "table/column_type.h"

namespace billpipe::table {
namespace {

TimestampMicros T(std::string_view s) {
  auto t = ParseTimestamp(s);
  EXPECT_TRUE(t) << s;
  return t.value_or(-1);
}

TEST(Timestamp, ParsesCurForms) {
  EXPECT_EQ(T("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(T("2018-05-01T00:00:00Z"), 1525132800LL * 1000000);
  EXPECT_EQ(T("2018-04-24T00:34:01.000Z"), 1524530041LL * 1000000);
  EXPECT_EQ(T("2018-04-24T00:34:01.5Z"), 1524530041LL * 1000000 + 500000);
  EXPECT_EQ(T("2018-04-24T00:34:01.123456Z"), 1524530041LL * 1000000 + 123456);
  EXPECT_EQ(T("2018-05-01T00:00Z"), 1525132800LL * 1000000);
  EXPECT_EQ(T("2018-05-31T23:59:59Z"), (1527811200LL - 1) * 1000000);
  EXPECT_EQ(T("2020-02-29T12:00:00Z"), 1582977600LL * 1000000);
  EXPECT_EQ(T("1969-12-31T23:59:59Z"), -1000000);
}

TEST(Timestamp, RefusesOtherForms) {
  for (std::string_view bad :
       {"", "2018-05-01", "2018-05-01T00:00:00", "2018-05-01 00:00:00Z", "2018-05-01T00:00:00+00:00",
        "2018-13-01T00:00:00Z", "2018-00-01T00:00:00Z", "2019-02-29T00:00:00Z", "2018-04-31T00:00:00Z",
        "2018-05-01T24:00:00Z", "2018-05-01T00:60:00Z", "2018-05-01T00:00:60Z", "2018-05-01T00:00:00.Z",
        "2018-05-01T00:00:00.1234567Z", "20180501T000000.000Z", "2018-05-0xT00:00:00Z", "0000-01-01T00:00:00Z",
        "2018-05-01T00:00:00z", "2018-05-01T00:0Z"}) {
    TimestampMicros t;
    EXPECT_FALSE(TryParseTimestamp(bad, &t)) << "'" << bad << "'";
  }
  auto t = ParseTimestamp("2018-13-01T00:00:00Z");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message, "'2018-13-01T00:00:00Z' is not a UTC timestamp like 2018-05-01T00:00:00Z");
}

TEST(Timestamp, Formats) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(T("2018-04-24T00:34:01.000Z")), "2018-04-24T00:34:01Z");
  EXPECT_EQ(FormatTimestamp(T("2018-04-24T00:34:01.25Z")), "2018-04-24T00:34:01.250Z");
  EXPECT_EQ(FormatTimestamp(T("2018-04-24T00:34:01.000001Z")), "2018-04-24T00:34:01.000001Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatTimestamp(T("9999-12-31T23:59:59Z")), "9999-12-31T23:59:59Z");
}

TEST(Timestamp, Intervals) {
  TimestampMicros a, b;
  ASSERT_TRUE(TryParseInterval("2018-05-01T00:00:00Z/2018-05-01T01:00:00Z", &a, &b));
  EXPECT_EQ(a, T("2018-05-01T00:00:00Z"));
  EXPECT_EQ(b, T("2018-05-01T01:00:00Z"));
  EXPECT_FALSE(TryParseInterval("2018-05-01T01:00:00Z/2018-05-01T00:00:00Z", &a, &b));
  EXPECT_FALSE(TryParseInterval("2018-05-01T00:00:00Z", &a, &b));
  EXPECT_FALSE(TryParseInterval("2018-05-01T00:00:00Z/", &a, &b));
}

TEST(ColumnType, FromManifestNames) {
  EXPECT_EQ(ColumnTypeFromName("String").value(), ColumnType::kString);
  EXPECT_EQ(ColumnTypeFromName("OptionalString").value(), ColumnType::kOptionalString);
  EXPECT_EQ(ColumnTypeFromName("DateTime").value(), ColumnType::kDateTime);
  EXPECT_EQ(ColumnTypeFromName("BigDecimal").value(), ColumnType::kBigDecimal);
  EXPECT_EQ(ColumnTypeFromName("OptionalBigDecimal").value(), ColumnType::kOptionalBigDecimal);
  EXPECT_EQ(ColumnTypeFromName("Interval").value(), ColumnType::kInterval);
  EXPECT_EQ(ColumnTypeFromName("").value(), ColumnType::kString);
  auto bad = ColumnTypeFromName("Double");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(bad.error().message,
            "unknown column type 'Double': expected String, OptionalString, DateTime, BigDecimal, "
            "OptionalBigDecimal or Interval");
  EXPECT_EQ(ColumnTypeName(ColumnType::kOptionalBigDecimal), "OptionalBigDecimal");
}

// TryParseTimestamp remembers the last date it converted: a different date after it, an invalid one,
// and the same date again after an invalid one must all come out exactly.
TEST(TimestampTest, RepeatedAndAlternatingDatesConvertExactly) {
  auto t = [](std::string_view s) {
    TimestampMicros v = 0;
    return TryParseTimestamp(s, &v) ? v : int64_t{-42};
  };
  EXPECT_EQ(t("1969-12-31T23:59:59Z"), -1000000);
  EXPECT_EQ(t("1969-12-31T00:00:00Z"), -86400000000);
  EXPECT_EQ(t("1970-01-01T00:00:01Z"), 1000000);
  EXPECT_EQ(t("2019-02-29T00:00:00Z"), -42);
  EXPECT_EQ(t("2019-02-28T00:00:00Z"), 1551312000000000);
  EXPECT_EQ(t("2019-02-29T00:00:00Z"), -42);
  EXPECT_EQ(t("2019-02-28T23:59:59.5Z"), 1551398399500000);
  EXPECT_EQ(t("2019-02-28T24:00:00Z"), -42);
  EXPECT_EQ(t("2020-02-29T00:00:00Z"), 1582934400000000);
}

}  // namespace
}  // namespace billpipe::table
