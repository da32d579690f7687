#include "catalog/catalog.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "catalog/migrations.h"
#include "catalog/runs.h"
#include "test_support.h"

namespace billpipe::catalog {
namespace {

using billpipe::testing::TempDir;

int Mode(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return static_cast<int>(st.st_mode & 0777);
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override { ::unsetenv(kMasterKeyEnv); }
  TempDir tmp_;
  FakeClock clock_{SysTime(std::chrono::milliseconds(1'764'403'200'000))};
};

TEST_F(CatalogTest, OpenCreatesPrivateDirectoryAndFileAtNewestVersion) {
  auto home = tmp_.path() / "a" / "home";
  auto catalog = Catalog::Open(home, clock_);
  ASSERT_TRUE(catalog) << catalog.error().message;
  EXPECT_EQ(Mode(home), 0700);
  EXPECT_EQ(Mode(home / "catalog.db"), 0600);
  EXPECT_EQ(*(*catalog)->SchemaVersion(), static_cast<int>(Migrations().size()));
}

TEST_F(CatalogTest, OpenTightensAnExistingFileToOwnerOnly) {
  auto home = tmp_.path() / "h";
  std::filesystem::create_directories(home);
  std::ofstream(home / "catalog.db").close();
  ::chmod((home / "catalog.db").c_str(), 0644);
  ASSERT_TRUE(Catalog::Open(home, clock_));
  EXPECT_EQ(Mode(home / "catalog.db"), 0600);
}

TEST_F(CatalogTest, ReopenKeepsDataAndDoesNotMigrateAgain) {
  auto home = tmp_.path() / "h";
  {
    auto c = Catalog::Open(home, clock_);
    ASSERT_TRUE(c);
    ASSERT_TRUE((*c)->SetMeta("x", "1"));
  }
  auto c = Catalog::Open(home, clock_);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(**(*c)->GetMeta("x"), "1");
}

TEST_F(CatalogTest, CatalogFromNewerVersionIsRefused) {
  auto home = tmp_.path() / "h";
  { ASSERT_TRUE(Catalog::Open(home, clock_)); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((home / "catalog.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto c = Catalog::Open(home, clock_);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(c.error().message,
            "The catalog " + (home / "catalog.db").string() +
                " was written by a newer billpipe (schema version 99; this billpipe knows versions up to " +
                std::to_string(Migrations().size()) + "). Upgrade billpipe, or use another data directory with --home.");
}

TEST_F(CatalogTest, SecretBoxRoundTripsAndRefusesAnotherContext) {
  std::array<unsigned char, kMasterKeyBytes> key{};
  key[0] = 7;
  auto box = SecretBox::FromKey(key, "test key");
  auto sealed = box.Seal("hunter2", "secret access key of account 1");
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->find("hunter2"), std::string::npos);
  EXPECT_EQ(*box.Open(*sealed, "secret access key of account 1"), "hunter2");
  auto moved = box.Open(*sealed, "secret access key of account 2");
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, ErrorCode::kAuth);
  EXPECT_EQ(moved.error().message,
            "Cannot decrypt the secret access key of account 2: the master key from test key is not the key it "
            "was encrypted with. Restore the original master key (the file master.key in the data directory, or "
            "BILLPIPE_MASTER_KEY).");
}

TEST_F(CatalogTest, MasterKeyFileIsCreatedPrivateOnFirstSecret) {
  auto home = tmp_.path() / "h";
  auto c = Catalog::Open(home, clock_);
  ASSERT_TRUE(c);
  EXPECT_FALSE(std::filesystem::exists(home / "master.key"));
  auto box = (*c)->Secrets();
  ASSERT_TRUE(box) << box.error().message;
  EXPECT_EQ(Mode(home / "master.key"), 0600);
  std::ifstream in(home / "master.key");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line.size(), 64u);
}

TEST_F(CatalogTest, MissingMasterKeyForExistingSecretsIsAClearError) {
  auto home = tmp_.path() / "h";
  {
    auto c = Catalog::Open(home, clock_);
    ASSERT_TRUE((*c)->Secrets());
  }
  std::filesystem::remove(home / "master.key");
  auto c = Catalog::Open(home, clock_);
  ASSERT_TRUE(c);
  auto box = (*c)->Secrets();
  ASSERT_FALSE(box);
  EXPECT_EQ(box.error().code, ErrorCode::kAuth);
  EXPECT_EQ(box.error().message, "The master key is missing: " + (home / "master.key").string() +
                                     " does not exist and BILLPIPE_MASTER_KEY is not set. The secrets in the "
                                     "catalog were encrypted with it: restore the file, or set "
                                     "BILLPIPE_MASTER_KEY to the key.");
  EXPECT_FALSE(std::filesystem::exists(home / "master.key"));  // no new key replaces the lost one
}

TEST_F(CatalogTest, WrongMasterKeyFromEnvironmentIsAClearError) {
  auto home = tmp_.path() / "h";
  {
    auto c = Catalog::Open(home, clock_);
    ASSERT_TRUE((*c)->Secrets());
  }
  ::setenv(kMasterKeyEnv, std::string(64, 'a').c_str(), 1);
  auto c = Catalog::Open(home, clock_);
  auto box = (*c)->Secrets();
  ::unsetenv(kMasterKeyEnv);
  ASSERT_FALSE(box);
  EXPECT_EQ(box.error().code, ErrorCode::kAuth);
  EXPECT_EQ(box.error().message,
            "The master key from BILLPIPE_MASTER_KEY is not the key this catalog's secrets were encrypted with. "
            "Restore the original master key (the file master.key in the data directory, or BILLPIPE_MASTER_KEY).");
}

TEST_F(CatalogTest, MalformedMasterKeyInEnvironmentIsRefused) {
  ::setenv(kMasterKeyEnv, "not-hex", 1);
  auto c = Catalog::Open(tmp_.path() / "h", clock_);
  auto box = (*c)->Secrets();
  ::unsetenv(kMasterKeyEnv);
  ASSERT_FALSE(box);
  EXPECT_EQ(box.error().message,
            "The master key in BILLPIPE_MASTER_KEY is not valid: it must be 64 hexadecimal characters (32 bytes).");
}

TEST_F(CatalogTest, MasterKeyFromEnvironmentOpensWhatItSealed) {
  ::setenv(kMasterKeyEnv, std::string(64, 'b').c_str(), 1);
  auto home = tmp_.path() / "h";
  {
    auto c = Catalog::Open(home, clock_);
    ASSERT_TRUE((*c)->Secrets());
  }
  auto c = Catalog::Open(home, clock_);
  auto box = (*c)->Secrets();
  ::unsetenv(kMasterKeyEnv);
  ASSERT_TRUE(box) << box.error().message;
  EXPECT_FALSE(std::filesystem::exists(home / "master.key"));
}

// Issue 11 f: an error that quotes S3 (an escape sequence in a key, a 5 MB value) is kept in the history
// escaped and bounded: it is shown on terminals and sent to the webhook from there.
TEST_F(CatalogTest, RunHistoryKeepsErrorsEscapedAndBounded) {
  auto catalog = Catalog::Open(tmp_.path(), clock_);
  ASSERT_TRUE(catalog);
  RunHistory history(**catalog);
  auto id = history.Start("daily", Trigger::kManual, 1);
  ASSERT_TRUE(id);
  std::string error = "s3://b/cur/\x1b]0;owned\x07\x1b[2J.csv.gz: bad value '" + std::string(5 << 20, 'x') + "'";
  ASSERT_TRUE(history.Finish(*id, RunStatus::kFailed, 0, 0, error));
  auto runs = history.List("daily", 1);
  ASSERT_TRUE(runs);
  const std::string& kept = (*runs)[0].error;
  EXPECT_TRUE(kept.starts_with("s3://b/cur/\\x1b]0;owned\\x07\\x1b[2J.csv.gz: bad value 'xxx")) << kept.substr(0, 80);
  EXPECT_TRUE(kept.ends_with("… (5242926 bytes)")) << kept.substr(kept.size() - 40);
  EXPECT_EQ(kept.size(), 4096u);
}

}  // namespace
}  // namespace billpipe::catalog
