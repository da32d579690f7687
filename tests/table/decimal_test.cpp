#include "table/decimal.h"

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace billpipe::table {
namespace {

std::string RoundTrip(std::string_view text) {
  auto d = Decimal::Parse(text);
  return d ? d->ToString() : d.error().message;
}

TEST(Decimal, ParsesWhatAwsWritesAndPrintsItBackExactly) {
  EXPECT_EQ(RoundTrip("24.0000000000"), "24.0000000000");
  EXPECT_EQ(RoundTrip("4.0"), "4.0");
  EXPECT_EQ(RoundTrip("-0.0000001"), "-0.0000001");
  EXPECT_EQ(RoundTrip("0.0000000000"), "0.0000000000");
  EXPECT_EQ(RoundTrip("-1234.5678901234"), "-1234.5678901234");
  EXPECT_EQ(RoundTrip("+7"), "7");
  EXPECT_EQ(RoundTrip("7."), "7");
  EXPECT_EQ(RoundTrip(".5"), "0.5");
  EXPECT_EQ(RoundTrip("000123.4500"), "123.4500");
  // Around 2^64, where ToChars switches from 128-bit to 64-bit steps, and at 38 digits.
  EXPECT_EQ(RoundTrip("18446744073709551615"), "18446744073709551615");
  EXPECT_EQ(RoundTrip("18446744073709551616"), "18446744073709551616");
  EXPECT_EQ(RoundTrip("-1844674407370955161.7"), "-1844674407370955161.7");
  EXPECT_EQ(RoundTrip("12345678901234567890123456789.012345678"), "12345678901234567890123456789.012345678");
  EXPECT_EQ(RoundTrip("-99999999999999999999999999999999999999"), "-99999999999999999999999999999999999999");
  EXPECT_EQ(RoundTrip("0.00000000000000000000000000000000000001"), "0.00000000000000000000000000000000000001");
  EXPECT_EQ(RoundTrip("99999999999999999999999999999999999999"), "99999999999999999999999999999999999999");
  EXPECT_EQ(RoundTrip("-9999999999999999999999999999.9999999999"), "-9999999999999999999999999999.9999999999");
  EXPECT_EQ(RoundTrip("0.00000000000000000000000000000000000001"), "0.00000000000000000000000000000000000001");
}

// The fast path reads eight fraction digits at once: every length around eight, and every position of
// a non-digit inside those eight bytes.
TEST(Decimal, FractionsReadEightDigitsAtOnceExactly) {
  EXPECT_EQ(RoundTrip("0.12345678"), "0.12345678");
  EXPECT_EQ(RoundTrip("1.1234567"), "1.1234567");
  EXPECT_EQ(RoundTrip("123.123456789"), "123.123456789");
  EXPECT_EQ(RoundTrip("0.0000000001"), "0.0000000001");
  EXPECT_EQ(RoundTrip("-5.9999999999"), "-5.9999999999");
  EXPECT_EQ(RoundTrip("9.99999999"), "9.99999999");
  EXPECT_EQ(RoundTrip("0.90000009"), "0.90000009");
  for (int i = 0; i < 8; ++i) {
    for (char bad : {'/', ':', 'a', ' ', '.', '\x80', '\xb9'}) {
      std::string text = "1.12345678";
      text[2 + static_cast<size_t>(i)] = bad;
      EXPECT_FALSE(Decimal::Parse(text)) << text;
    }
  }
}

TEST(Decimal, ExponentsAreExact) {
  EXPECT_EQ(RoundTrip("1E-7"), "0.0000001");
  EXPECT_EQ(RoundTrip("1.5e-10"), "0.00000000015");
  EXPECT_EQ(RoundTrip("2.5e3"), "2500");
  EXPECT_EQ(RoundTrip("-3E+2"), "-300");
  EXPECT_EQ(RoundTrip("0e5"), "0");
  auto d = Decimal::Parse("1E-7");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->scale(), 7);
  EXPECT_EQ(static_cast<int64_t>(d->unscaled()), 1);
}

TEST(Decimal, RefusesWhatIsNotAPlainDecimal) {
  for (std::string_view bad : {"", "-", "+", ".", "1.2.3", " 1", "1 ", "1,000", "NaN", "nan", "Infinity", "inf",
                               "0x10", "1e", "1e+", "e5", "--1", "1-", "12a", "1E400",
                               "999999999999999999999999999999999999999", "1e-39", "1e38"}) {
    Decimal d;
    EXPECT_FALSE(Decimal::TryParse(bad, &d)) << "'" << bad << "'";
  }
  auto d = Decimal::Parse("1,000");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ErrorCode::kBadData);
  EXPECT_EQ(d.error().message, "'1,000' is not a decimal number of at most 38 digits");
}

TEST(Decimal, ToDoubleIsTheNearestDouble) {
  // What strtod gives for the same text is the correctly rounded double; ToDouble must match it on the
  // fast path (few digits, scale up to 22) and on the slow one (many digits, large scales).
  for (std::string_view text : {"0", "0.0000000000", "-0.0000000000", "24.0000000000", "0.1000000000",
                                "-0.2500000000", "0.0000000001", "123456.7890123456", "9007199254740991",
                                "9007199254740993", "0.30000000000000000001", "-1.23456789012345678901234567",
                                "12345678901234567890.123456789", "0.00000000000000000000000000000000000001"}) {
    auto d = Decimal::Parse(text);
    ASSERT_TRUE(d) << text;
    EXPECT_EQ(d->ToDouble(), std::strtod(std::string(text).c_str(), nullptr)) << text;
  }
}

TEST(Decimal, SumsExactly) {
  // 0.1 added ten times is exactly 1 (it is not in binary floating point).
  Decimal sum = Decimal::Parse("0").value();
  const Decimal tenth = Decimal::Parse("0.1000000000").value();
  for (int i = 0; i < 10; ++i) sum = Decimal::Add(sum, tenth).value();
  EXPECT_EQ(sum.ToString(), "1.0000000000");
  EXPECT_EQ(Decimal::Add(Decimal::Parse("24.0000000000").value(), Decimal::Parse("-0.0000001").value())->ToString(),
            "23.9999999000");
  EXPECT_EQ(Decimal::Add(Decimal::Parse("4.0").value(), Decimal::Parse("1E-7").value())->ToString(), "4.0000001");
}

TEST(Decimal, SumOverflowIsAnError) {
  const Decimal big = Decimal::Parse("99999999999999999999999999999999999999").value();
  auto sum = Decimal::Add(big, Decimal::Parse("1").value());
  ASSERT_FALSE(sum);
  EXPECT_EQ(sum.error().message, "the sum of 99999999999999999999999999999999999999 and 1 has more than 38 digits");
  // Rescaling to a common scale can overflow too.
  auto scaled = Decimal::Add(Decimal::Parse("9999999999999999999999999999999").value(), Decimal::Parse("0.00000001").value());
  ASSERT_FALSE(scaled);
}

// Found by value_parse_fuzz: the 128-bit addition itself overflowed (undefined behaviour) before the
// 38-digit check.
TEST(Decimal, SumOfTwoLargeValuesPast128BitsIsAnError) {
  const Decimal big = Decimal::Parse("88000000000000000000000000000000000001").value();
  auto sum = Decimal::Add(big, big);
  ASSERT_FALSE(sum);
  EXPECT_EQ(sum.error().message,
            "the sum of 88000000000000000000000000000000000001 and 88000000000000000000000000000000000001 has "
            "more than 38 digits");
  const Decimal negative = Decimal::Parse("-88000000000000000000000000000000000001").value();
  EXPECT_FALSE(Decimal::Add(negative, negative));
}

TEST(Decimal, ComparesValuesNotDigits) {
  EXPECT_EQ(Decimal::Parse("1.0").value(), Decimal::Parse("1.0000000000").value());
  EXPECT_LT(Decimal::Parse("-0.5").value(), Decimal::Parse("0.25").value());
  EXPECT_LT(Decimal::Parse("-1.5").value(), Decimal::Parse("-1.25").value());
  EXPECT_GT(Decimal::Parse("10").value(), Decimal::Parse("9.9999999999").value());
  EXPECT_EQ(Decimal::Parse("-0.0").value(), Decimal::Parse("0").value());
}

TEST(Decimal, ToDouble) {
  EXPECT_DOUBLE_EQ(Decimal::Parse("24.0000000000")->ToDouble(), 24.0);
  EXPECT_DOUBLE_EQ(Decimal::Parse("-0.0000001")->ToDouble(), -1e-7);
}

}  // namespace
}  // namespace billpipe::table
