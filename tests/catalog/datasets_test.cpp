#include "catalog/datasets.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "catalog/accounts.h"
#include "catalog/dataset_toml.h"
#include "test_support.h"
#include "util/date.h"

namespace billpipe::catalog {
namespace {

using billpipe::testing::TempDir;
using std::chrono::milliseconds;

// 2025-11-29T08:00:00Z
constexpr int64_t kNow = 1'764'403'200'000;

class DatasetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv(kMasterKeyEnv);
    auto c = Catalog::Open(tmp_.path(), clock_);
    ASSERT_TRUE(c) << c.error().message;
    catalog_ = std::move(*c);
    AccountInput in;
    in.name = "prod";
    in.access_key_id = "AKIAIOSFODNN7EXAMPLE";
    in.secret_access_key = "secretsecretsecret";
    ASSERT_TRUE(AccountStore(*catalog_).Add(in));
  }
  DatasetDefinition Def(std::string name = "aws_costs") {
    DatasetDefinition d;
    d.name = std::move(name);
    d.account = "prod";
    d.bucket = "billing";
    d.prefix = "/cur/";
    d.report_name = "daily";
    d.duration.start = *pipeline::DateSpec::Parse("30d");
    d.duration.end = *pipeline::DateSpec::Parse("0d");
    d.schedule = *catalog::Schedule::Parse("every day at 06:00");
    return d;
  }
  TempDir tmp_;
  FakeClock clock_{SysTime(milliseconds(kNow))};
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(DatasetsTest, CreateStoresEveryFieldAndTheFirstRun) {
  DatasetStore store(*catalog_);
  auto def = Def();
  def.description = "Daily costs";
  def.filter = pipeline::Filter::kInvoiced;
  def.update_method = pipeline::UpdateMethod::kPartition;
  def.retry = *catalog::RetryPolicy::Parse("always 3 every 10m");
  auto saved = store.Create(def);
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_TRUE(saved->warnings.empty());
  const auto& d = saved->dataset;
  EXPECT_EQ(d.name, "aws_costs");
  EXPECT_EQ(d.description, "Daily costs");
  EXPECT_EQ(d.account, "prod");
  EXPECT_EQ(d.prefix, "cur");
  EXPECT_EQ(d.filter, pipeline::Filter::kInvoiced);
  EXPECT_EQ(d.update_method, pipeline::UpdateMethod::kPartition);
  EXPECT_EQ(DurationToString(d.duration), "30d to 0d");
  EXPECT_EQ(d.schedule.ToString(), "every day at 06:00");
  EXPECT_EQ(d.retry.ToString(), "always 3 every 10m");
  EXPECT_EQ(d.next_run_at, SysTime(milliseconds(kNow + 22 * 3'600'000)));  // tomorrow 06:00
  EXPECT_EQ(d.created_at, kNow);
  EXPECT_EQ(AccountStore(*catalog_).Get("prod")->dataset_count, 1);
}

TEST_F(DatasetsTest, StartLaterRunsOnceNow) {
  DatasetStore store(*catalog_);
  auto def = Def();
  def.schedule.start_at = SysTime(milliseconds(kNow + 7 * 86'400'000));
  auto saved = store.Create(def);
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_EQ(saved->dataset.next_run_at, SysTime(milliseconds(kNow)));
  EXPECT_EQ(saved->dataset.schedule.start_at, def.schedule.start_at);
}

TEST_F(DatasetsTest, ValidationSaysWhatIsWrong) {
  DatasetStore store(*catalog_);
  auto e = [&](DatasetDefinition d) { return store.Create(d).error().message; };
  auto d = Def("2costs");
  EXPECT_EQ(e(d), "The dataset name '2costs' starts with '2'. A dataset name has letters, digits and underscores, "
                  "starts with a letter, and has at most 63 characters.");
  d = Def();
  d.bucket = "my/bucket";
  EXPECT_EQ(e(d), "Invalid bucket name 'my/bucket': a slash '/' at position 3 is not allowed. Allowed: letters, "
                  "digits, dots (.), dashes (-) and underscores (_), 3 to 255 characters. Give the bucket alone; a "
                  "path inside it goes in the prefix.");
  d = Def();
  d.report_type = "focus";
  EXPECT_EQ(e(d), "Unknown report type 'focus'. Choose one of: cost-and-usage (a legacy Cost and Usage Report or a "
                  "CUR 2.0 / FOCUS data export, whichever the name is), legacy-cur (only a legacy report), "
                  "data-export (only a data export).");
  d = Def();
  d.report_name = "cur/daily";
  EXPECT_EQ(e(d), "The report name 'cur/daily' has a '/': give the path before it as --prefix and the report's own "
                  "name as --report.");
  d = Def();
  d.account = "nobody";
  auto missing = store.Create(d);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message, "No account named 'nobody'. The accounts are: 'prod'.");
  d = Def();
  d.schedule = *catalog::Schedule::Parse("cron */5 * * * *");
  EXPECT_EQ(e(d), "The schedule 'cron */5 * * * *' runs every 5 minutes at its most frequent; the shortest interval "
                  "allowed is 15 minutes.");
  EXPECT_TRUE(store.List()->empty());
}

TEST_F(DatasetsTest, NameTakenIsConflict) {
  DatasetStore store(*catalog_);
  ASSERT_TRUE(store.Create(Def()));
  auto again = store.Create(Def());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().message, "A dataset named 'aws_costs' already exists. Choose another name, or change it "
                                   "with 'billpipe dataset edit aws_costs'.");
}

TEST_F(DatasetsTest, NamesThatDifferOnlyInCaseAreOneName) {
  DatasetStore store(*catalog_);
  ASSERT_TRUE(store.Create(Def()));
  auto upper = Def();
  upper.name = "AWS_Costs";
  auto again = store.Create(upper);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().message, "A dataset named 'aws_costs' already exists (dataset names that differ only in "
                                   "case are one name). Choose another name, or change it with 'billpipe dataset "
                                   "edit aws_costs'.");
  auto other = Def();
  other.name = "other";
  ASSERT_TRUE(store.Create(other));
  auto renamed = *store.Get("other");
  renamed.name = "Aws_Costs";
  auto clash = store.Update("other", renamed);
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().message, "A dataset named 'aws_costs' already exists (dataset names that differ only in "
                                   "case are one name). Choose another name.");
  // A dataset's own name in another case is a rename, not a clash.
  auto own = *store.Get("aws_costs");
  own.name = "Aws_Costs";
  EXPECT_TRUE(store.Update("aws_costs", own));
  EXPECT_EQ(store.List()->size(), 2u);
}

TEST_F(DatasetsTest, FrequentScheduleWarns) {
  DatasetStore store(*catalog_);
  auto d = Def();
  d.schedule = *catalog::Schedule::Parse("every 4 hours");
  auto saved = store.Create(d);
  ASSERT_TRUE(saved);
  ASSERT_EQ(saved->warnings.size(), 1u);
  EXPECT_EQ(saved->warnings[0],
            "The schedule 'every 4 hours' runs more often than once a day (every 4 hours at its most frequent). AWS "
            "updates the report a few times a day at most, so many runs will find nothing new.");
}

TEST_F(DatasetsTest, UpdateRenamesAndRecomputesTheNextRun) {
  DatasetStore store(*catalog_);
  ASSERT_TRUE(store.Create(Def()));
  auto d = *store.Get("aws_costs");
  d.name = "costs";
  d.schedule = *catalog::Schedule::Parse("manual");
  auto saved = store.Update("aws_costs", d);
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_EQ(saved->dataset.name, "costs");
  EXPECT_FALSE(saved->dataset.next_run_at);
  EXPECT_EQ(store.Get("aws_costs").error().message, "No dataset named 'aws_costs'. The datasets are: 'costs'.");
}

TEST_F(DatasetsTest, ForcedAccountDeleteDetachesAndPausesThenAttachingResumes) {
  DatasetStore store(*catalog_);
  ASSERT_TRUE(store.Create(Def()));
  ASSERT_TRUE(AccountStore(*catalog_).Delete("prod", true));
  auto d = *store.Get("aws_costs");
  EXPECT_EQ(d.account, "");
  EXPECT_TRUE(d.paused);
  EXPECT_EQ(d.pause_reason, "account 'prod' was deleted");
  EXPECT_FALSE(d.next_run_at);
  AccountInput in;
  in.name = "new";
  in.profile = "billing";
  ASSERT_TRUE(AccountStore(*catalog_).Add(in));
  d.account = "new";
  auto saved = store.Update("aws_costs", d);
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_FALSE(saved->dataset.paused);
  EXPECT_EQ(saved->dataset.next_run_at, SysTime(milliseconds(kNow + 22 * 3'600'000)));
}

TEST_F(DatasetsTest, DeleteRemovesTheDataset) {
  DatasetStore store(*catalog_);
  ASSERT_TRUE(store.Create(Def()));
  ASSERT_TRUE(store.Delete("aws_costs"));
  EXPECT_TRUE(store.List()->empty());
  EXPECT_EQ(store.Delete("aws_costs").error().code, ErrorCode::kNotFound);
}

// Issue 11 p: a saved dataset keeps what `billpipe run` can set, and a schedule in a time zone.
TEST_F(DatasetsTest, RunSettingsAndAZonedScheduleAreStored) {
  DatasetStore store(*catalog_);
  auto def = Def();
  def.update_method = pipeline::UpdateMethod::kPartition;
  def.keep_versions = 5;
  def.retention_months = 13;
  def.skip_bad_rows = true;
  def.schedule = *catalog::Schedule::Parse("every day at 06:00 in Europe/Paris");
  auto saved = store.Create(def);
  ASSERT_TRUE(saved) << saved.error().message;
  // kNow is 2025-11-29 08:00 UTC; 06:00 in Paris (winter, +1) is 05:00 UTC tomorrow.
  EXPECT_EQ(saved->dataset.next_run_at, SysTime(milliseconds(kNow + 21 * 3'600'000)));
  auto back = store.Get("aws_costs");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->keep_versions, 5);
  EXPECT_EQ(back->retention_months, 13);
  EXPECT_TRUE(back->skip_bad_rows);
  EXPECT_EQ(back->schedule.ToString(), "every day at 06:00 in Europe/Paris");
  auto text = DatasetToToml(*back);
  auto from_toml = DatasetFromToml(text, "x.toml");
  ASSERT_TRUE(from_toml) << from_toml.error().message << "\n" << text;
  EXPECT_EQ(from_toml->keep_versions, 5);
  EXPECT_EQ(from_toml->retention_months, 13);
  EXPECT_TRUE(from_toml->skip_bad_rows);
  EXPECT_EQ(from_toml->schedule.ToString(), "every day at 06:00 in Europe/Paris");
  def.name = "too_many";
  def.keep_versions = 1001;
  auto refused = store.Create(def);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "The number of kept versions is 0 to 1000, not 1001.");
}

TEST(DurationFlagsTest, OneFormEachDateSpecificOrRelative) {
  DurationFlags f;
  f.days_back = 30;
  EXPECT_EQ(DurationToString(*ParseDurationFlags(f)), "30d");  // one day, as `run --days-back 30` (issue 11 n)
  f = {};
  f.start = "10d";
  f.end = "5d";
  EXPECT_EQ(DurationToString(*ParseDurationFlags(f)), "10d to 5d");
  f = {};
  f.date = "2024-02-29";
  EXPECT_EQ(DurationToString(*ParseDurationFlags(f)), "2024-02-29");
  f = {};
  f.start = "2024-01-01";
  f.end = "5d";
  EXPECT_EQ(DurationToString(*ParseDurationFlags(f)), "2024-01-01 to 5d");
  const std::string forms =
      " Give one of: --date D (a single day), --days-back N (the single day N days back), or --start S --end E (a "
      "range, both days included); each date is YYYY-MM-DD or Nd (N days back).";
  EXPECT_EQ(ParseDurationFlags({}).error().message, "The duration is missing." + forms);
  f = {};
  f.date = "1d";
  f.days_back = 3;
  EXPECT_EQ(ParseDurationFlags(f).error().message, "The duration is given in more than one way." + forms);
  f = {};
  f.start = "10d";
  EXPECT_EQ(ParseDurationFlags(f).error().message, "The duration's range needs both --start and --end." + forms);
  f = {};
  f.date = "2023-02-29";
  auto bad = ParseDurationFlags(f);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().message.starts_with("The duration's date: ")) << bad.error().message;
}

TEST(DatasetTomlTest, RoundTripsEveryField) {
  DatasetDefinition d;
  d.name = "aws_costs";
  d.description = "Daily \"costs\"\nsecond line";
  d.account = "AWS Billing Account 2";
  d.filter = pipeline::Filter::kEstimated;
  d.bucket = "billing";
  d.prefix = "cur/x";
  d.report_name = "daily";
  d.duration.start = *pipeline::DateSpec::Parse("2024-01-01");
  d.duration.end = *pipeline::DateSpec::Parse("5d");
  d.schedule = *catalog::Schedule::Parse("every month on the 2nd,4th sun at 06:00");
  d.schedule.start_at = SysTime(milliseconds(kNow + 1500));
  d.retry = *catalog::RetryPolicy::Parse("always 2 every 1h");
  d.update_method = pipeline::UpdateMethod::kAppend;
  std::string text = DatasetToToml(d);
  EXPECT_EQ(text.find("secret"), std::string::npos);
  auto back = DatasetFromToml(text, "x.toml");
  ASSERT_TRUE(back) << back.error().message << "\n" << text;
  EXPECT_EQ(back->name, d.name);
  EXPECT_EQ(back->description, d.description);
  EXPECT_EQ(back->account, d.account);
  EXPECT_EQ(back->filter, d.filter);
  EXPECT_EQ(back->bucket, d.bucket);
  EXPECT_EQ(back->prefix, d.prefix);
  EXPECT_EQ(back->report_name, d.report_name);
  EXPECT_EQ(DurationToString(back->duration), "2024-01-01 to 5d");
  EXPECT_EQ(back->schedule.ToString(), d.schedule.ToString());
  EXPECT_EQ(back->schedule.start_at, d.schedule.start_at);
  EXPECT_EQ(back->retry.ToString(), "always 2 every 1h");
  EXPECT_EQ(back->update_method, d.update_method);
}

TEST(DatasetTomlTest, ErrorsNameTheFileLineAndKey) {
  EXPECT_EQ(DatasetFromToml("name = \"a\"\naccount = \"p\"\n[details]\nbucket = 3\n", "d.toml").error().message,
            "d.toml:4: 'details.bucket' must be a string");
  EXPECT_EQ(DatasetFromToml("name = \"a\"\n", "d.toml").error().message, "d.toml: 'account' is missing");
  EXPECT_EQ(DatasetFromToml("name = \"a\"\naccount = \"p\"\ncolour = 1\n", "d.toml").error().message,
            "d.toml:3: 'colour' is not a dataset field (the fields are name, description, account, destination, "
            "[details] and [scheduling])");
  auto sched_err = DatasetFromToml(
      "name = \"a\"\naccount = \"p\"\n[details]\nbucket = \"b\"\nreport_name = \"r\"\nstart = \"1d\"\n"
      "[scheduling]\nschedule = \"every fortnight\"\n",
      "d.toml");
  ASSERT_FALSE(sched_err);
  EXPECT_TRUE(sched_err.error().message.starts_with(
      "d.toml:8: 'scheduling.schedule': The schedule 'every fortnight' is not valid"))
      << sched_err.error().message;
  auto syntax = DatasetFromToml("name = \n", "d.toml");
  ASSERT_FALSE(syntax);
  EXPECT_TRUE(syntax.error().message.starts_with("d.toml:1:")) << syntax.error().message;
}

}  // namespace
}  // namespace billpipe::catalog
