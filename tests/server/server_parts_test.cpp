// The Data Center's parts without a server: listen addresses, the token, the dataset document (the TOML
// export's nesting) both ways.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "app/dataset_document.h"
#include "catalog/dataset_toml.h"
#include "server/http_server.h"
#include "test_support.h"
#include "util/date.h"

namespace billpipe::server {
namespace {

TEST(ListenAddressTest, LoopbackAndNot) {
  auto a = ParseListenAddress("127.0.0.1:8080");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  EXPECT_TRUE(a->loopback());
  EXPECT_TRUE(ParseListenAddress("127.0.0.2:0")->loopback());
  EXPECT_TRUE(ParseListenAddress("localhost:1")->loopback());
  auto v6 = ParseListenAddress("[::1]:9000");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_TRUE(v6->loopback());
  EXPECT_FALSE(ParseListenAddress("0.0.0.0:8080")->loopback());
  EXPECT_FALSE(ParseListenAddress("10.1.2.3:8080")->loopback());
  auto bad = ParseListenAddress("8080");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "'8080' is not an address to listen on: give ADDR:PORT, e.g. 127.0.0.1:8080 or [::1]:8080.");
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:70000"));
  auto name = ParseListenAddress("example.com:80");
  ASSERT_FALSE(name);
  EXPECT_EQ(name.error().message, "'example.com' is not an IP address to listen on (e.g. 127.0.0.1, 0.0.0.0 or ::1).");
}

TEST(TokenTest, FromAFileAndTooShort) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "token") << "0123456789abcdef0123\n";
  auto t = ReadToken((dir.path() / "token").string());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(*t, "0123456789abcdef0123");
  std::ofstream(dir.path() / "short") << "abc\n";
  auto s = ReadToken((dir.path() / "short").string());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "The token is too short: give at least 16 characters (e.g. openssl rand -hex 32).");
  EXPECT_FALSE(ReadToken((dir.path() / "missing").string()));
}

TEST(DatasetDocumentTest, TheTomlExportsNestingBothWays) {
  auto def = catalog::DatasetFromToml(R"(
name = "aws_costs"
description = "Daily costs"
account = "main"
[details]
filter = "invoiced"
bucket = "billing"
prefix = "cur"
report_name = "daily"
start = "30d"
end = "1d"
[scheduling]
schedule = "every day at 06:00"
retry = "always 3 every 10m"
update_method = "partition"
retention_months = 6
)", "test.toml");
  ASSERT_TRUE(def) << def.error().message;
  nlohmann::ordered_json j = app::DatasetDocumentJson(*def);
  EXPECT_EQ(j["name"], "aws_costs");
  EXPECT_EQ(j["details"]["filter"], "invoiced");
  EXPECT_EQ(j["details"]["start"], "30d");
  EXPECT_EQ(j["details"]["end"], "1d");
  EXPECT_EQ(j["scheduling"]["schedule"], "every day at 06:00");
  EXPECT_EQ(j["scheduling"]["retry"], "always 3 every 10m");
  EXPECT_EQ(j["scheduling"]["update_method"], "partition");
  EXPECT_EQ(j["scheduling"]["retention_months"], 6);
  EXPECT_EQ(j["scheduling"]["start_at"], nullptr);

  // Back: the shown document gives the same definition.
  auto doc = app::DatasetDocumentFromJson(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->name, "aws_costs");
  catalog::DatasetDefinition back;
  ASSERT_TRUE(app::ApplyDatasetFields(doc->fields, back));
  back.name = doc->name;
  EXPECT_EQ(catalog::DatasetToToml(back), catalog::DatasetToToml(*def));

  // A single date: start without end.
  auto single = app::DatasetDocumentFromJson(nlohmann::json::parse(R"({"details":{"start":"2026-11-05","end":""}})"));
  ASSERT_TRUE(single);
  EXPECT_EQ(single->fields.duration.date, "2026-11-05");
  EXPECT_FALSE(single->fields.duration.start);

  auto unknown = app::DatasetDocumentFromJson(nlohmann::json::parse(R"({"details":{"bukket":"x"}})"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message,
            "'details.bukket' is not a dataset field (the fields are report_type, filter, schema, bucket, prefix, "
            "report_name, start, end)");
  auto wrong_type = app::DatasetDocumentFromJson(nlohmann::json::parse(R"({"details":{"bucket":3}})"));
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().message, "details.bucket must be a string");
  auto start_at = app::DatasetDocumentFromJson(nlohmann::json::parse(R"({"scheduling":{"start_at":"2026-12-01T06:00:00Z"}})"));
  ASSERT_TRUE(start_at) << start_at.error().message;
  EXPECT_EQ(FormatTimestamp(*start_at->fields.start_later), "2026-12-01T06:00:00Z");
}

}  // namespace
}  // namespace billpipe::server
