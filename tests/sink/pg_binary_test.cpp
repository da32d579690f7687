// The binary COPY encoders of the PostgreSQL sink (sink/pg_binary.h) against PostgreSQL itself: values
// loaded in binary read back exactly as the server's own reading of the same text does (the value and its
// display scale), for numbers of every shape and timestamps on both sides of both epochs.
#include "sink/pg_binary.h"

#include <functional>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pg_test_db.h"
#include "sink/pg_conn.h"

namespace billpipe::sink {
namespace {

using billpipe::testing::PgTestSchema;

// Loads the values with binary COPY into a one-column table of type `type` (row order kept by an id), and
// returns them read back as text.
std::vector<std::string> RoundTrip(PgTestSchema& schema, const std::string& type,
                                   const std::vector<std::function<void(std::string&)>>& fields) {
  auto conn = PgConn::Connect(schema.conninfo());
  EXPECT_TRUE(conn) << conn.error().message;
  if (!conn) return {};
  EXPECT_TRUE((*conn)->Exec(fmt::format("DROP TABLE IF EXISTS v; CREATE TABLE v(id integer, x {})", type)));
  std::string data;
  AppendPgCopyHeader(data);
  for (size_t i = 0; i < fields.size(); ++i) {
    AppendPgRowStart(data, 2);
    std::string id = {0, 0, 0, 0};
    id[2] = static_cast<char>(i >> 8);
    id[3] = static_cast<char>(i);
    AppendPgBytes(data, id);
    fields[i](data);
  }
  AppendPgCopyTrailer(data);
  auto begun = (*conn)->CopyBegin("COPY v(id, x) FROM STDIN (FORMAT binary)");
  EXPECT_TRUE(begun) << begun.error().message;
  EXPECT_TRUE((*conn)->CopyData(data));
  auto ended = (*conn)->CopyEnd();
  EXPECT_TRUE(ended) << ended.error().message;
  auto rows = (*conn)->Query("SELECT coalesce(x::text, 'NULL') FROM v ORDER BY id");
  EXPECT_TRUE(rows) << rows.error().message;
  std::vector<std::string> out;
  if (rows) {
    for (size_t r = 0; r < rows->rows.size(); ++r) out.push_back(rows->At(r, 0));
  }
  return out;
}

// What the server makes of each text as numeric input.
std::vector<std::string> ServerReads(PgTestSchema& schema, const std::vector<std::string>& texts, const char* type) {
  std::vector<std::string> out;
  for (const auto& t : texts) out.push_back(schema.admin().One(fmt::format("SELECT '{}'::{}::text", t, type)));
  return out;
}

class PgBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BP_REQUIRE_TEST_PG();
    schema_ = std::make_unique<PgTestSchema>("t_pg_binary");
  }
  std::unique_ptr<PgTestSchema> schema_;
};

TEST_F(PgBinaryTest, NumericsReadBackAsTheServerReadsTheirText) {
  std::vector<std::string> texts = {
      "0", "-0", "0.000", "-0.0000000000", "1", "-1", "1.2500000000", "-1.2500000000", "0.00000000010000",
      "9999", "10000", "-10000.0001", "0.0001", "0.00010", "0.1", "12345678.87654321", ".5", "7.", "+3.14",
      "123456789012345678901234567890.123456789", "-99999999999999999999999999999999999999",
      "0.00000000000000000000000000000000000001", "100000000000000000000", "0.000000000000000000001234",
      "1E-7", "2.5e3", "-12345.6789e-2", "1.5E+10", "9.99999999e-20", "00012.3400", "-000.00700",
      "3.1415926535897932384626433832795028841971693993751058209749445923", "NaN",
      "24.0000000000", "0.0000001", "-0.0000001"};
  std::mt19937_64 random(15);
  for (int i = 0; i < 400; ++i) {  // random shapes: up to 30 integer digits, up to 20 places
    std::string t = random() % 3 == 0 ? "-" : "";
    int integer = static_cast<int>(random() % 31), places = static_cast<int>(random() % 21);
    for (int d = 0; d < integer; ++d) t += static_cast<char>('0' + random() % 10);
    if (integer == 0) t += '0';
    if (places > 0) t += '.';
    for (int d = 0; d < places; ++d) t += static_cast<char>('0' + (random() % 4 == 0 ? 0 : random() % 10));
    texts.push_back(t);
  }
  std::vector<std::function<void(std::string&)>> fields;
  for (const auto& t : texts) {
    fields.push_back([t](std::string& out) { ASSERT_TRUE(AppendPgNumeric(out, t)) << t; });
  }
  auto expected = ServerReads(*schema_, texts, "numeric");
  auto got = RoundTrip(*schema_, "numeric", fields);
  ASSERT_EQ(got.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(got[i], expected[i]) << "text " << texts[i];
  // A few exactly, so that the server's reading itself is pinned too.
  EXPECT_EQ(got[2], "0.000");
  EXPECT_EQ(got[3], "0.0000000000");
  EXPECT_EQ(got[7], "-1.2500000000");
  EXPECT_EQ(got[8], "0.00000000010000");
  EXPECT_EQ(got[24], "0.0000001");
  EXPECT_EQ(got[25], "2500");
  EXPECT_EQ(got[26], "-123.456789");
}

TEST(PgBinaryEncodeTest, WhatIsNotANumberIsRefusedAndNothingAppended) {
  for (const char* bad : {"", "-", ".", "1.2.3", "abc", "1e", "1e+", "1,5", " 1", "1 ", "--1", "1e1001", "-NaN",
                          "Infinity", "0x10"}) {
    std::string out = "x";
    EXPECT_FALSE(AppendPgNumeric(out, bad)) << bad;
    EXPECT_EQ(out, "x") << bad;
  }
}

TEST(PgBinaryEncodeTest, NumericBytesAreBase10000DigitsWithWeightSignAndScale) {
  std::string out;
  ASSERT_TRUE(AppendPgNumeric(out, "-12345.678"));
  // length 14; ndigits 3, weight 1, sign negative, dscale 3; digits 1, 2345, 6780.
  EXPECT_EQ(out, std::string("\0\0\0\x0e\0\x03\0\x01\x40\0\0\x03\0\x01\x09\x29\x1a\x7c", 18));
}

TEST_F(PgBinaryTest, TimestampsReadBackAsTheSameInstant) {
  std::vector<int64_t> millis = {0,          -1,           1,           946684800000, 946684799999, 946684800001,
                                 1575158400000, 1575158400999, -2208988800000, 4102444800000, 1700000000123,
                                 -62135596800000};
  std::vector<std::function<void(std::string&)>> fields;
  std::vector<std::string> texts;
  for (int64_t ms : millis) {
    fields.push_back([ms](std::string& out) { AppendPgTimestamp(out, ms); });
    texts.push_back(schema_->admin().One(fmt::format("SELECT (to_timestamp({}::numeric / 1000) AT TIME ZONE 'UTC')::text",
                                                     ms)));
  }
  auto got = RoundTrip(*schema_, "timestamp", fields);  // timestamp without time zone: the same bytes, UTC text
  EXPECT_EQ(got, texts);
  auto tz = RoundTrip(*schema_, "timestamptz", fields);
  ASSERT_EQ(tz.size(), millis.size());
  EXPECT_EQ(tz[0], "1970-01-01 00:00:00+00");
  EXPECT_EQ(tz[1], "1969-12-31 23:59:59.999+00");
  EXPECT_EQ(tz[3], "2000-01-01 00:00:00+00");
  EXPECT_EQ(tz[4], "1999-12-31 23:59:59.999+00");
  EXPECT_EQ(tz[7], "2019-12-01 00:00:00.999+00");
  EXPECT_EQ(tz[11], "0001-01-01 00:00:00+00");
}

TEST_F(PgBinaryTest, TextAndNullFieldsArriveAsTheyAre) {
  std::vector<std::function<void(std::string&)>> fields = {
      [](std::string& out) { AppendPgBytes(out, "tab\there\nline \\ back"); },
      [](std::string& out) { AppendPgBytes(out, ""); },
      [](std::string& out) { AppendPgNull(out); },
      [](std::string& out) { AppendPgBytes(out, "\xc3\xa9t\xc3\xa9"); }};
  EXPECT_EQ(RoundTrip(*schema_, "text", fields),
            (std::vector<std::string>{"tab\there\nline \\ back", "", "NULL", "\xc3\xa9t\xc3\xa9"}));
}

}  // namespace
}  // namespace billpipe::sink
