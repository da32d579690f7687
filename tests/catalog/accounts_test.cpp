#include "catalog/accounts.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "test_support.h"

namespace billpipe::catalog {
namespace {

using billpipe::testing::TempDir;

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
constexpr const char* kToken = "FQoGZXIvYXdzEXAMPLESESSIONTOKEN";

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv(kMasterKeyEnv);
    auto c = Catalog::Open(tmp_.path(), clock_);
    ASSERT_TRUE(c) << c.error().message;
    catalog_ = std::move(*c);
  }
  AccountInput Keys(std::optional<std::string> name = std::nullopt) {
    AccountInput in;
    in.name = std::move(name);
    in.access_key_id = "AKIAIOSFODNN7EXAMPLE";
    in.secret_access_key = kSecret;
    return in;
  }
  Status AddDataset(const std::string& name, int64_t account_id) {
    BP_ASSIGN_OR_RETURN(auto s, catalog_->db().Prepare(
                                    "INSERT INTO datasets(name, account_id, report_type, filter, bucket, prefix, "
                                    "report_name, duration_start, update_method, schedule, retry, created_at, "
                                    "updated_at, next_run_at) VALUES (?, ?, 'cost-and-usage', 'all', 'b', 'p', 'r', "
                                    "'1d', 'replace', 'every day at 06:00', 'never', 0, 0, 5)"));
    s->BindText(1, name);
    s->BindInt(2, account_id);
    return s->Run();
  }
  TempDir tmp_;
  FakeClock clock_{SysTime(std::chrono::milliseconds(1'764'403'200'000))};
  std::unique_ptr<Catalog> catalog_;
};

TEST(MaskAccessKeyTest, ShowsFirstAndLastFour) {
  EXPECT_EQ(MaskAccessKey("AKIAIOSFODNN7EXAMPLE"), "AKIA…MPLE");
  EXPECT_EQ(MaskAccessKey("SHORT"), "*****");
}

TEST_F(AccountsTest, DefaultNameIsMadeUnique) {
  AccountStore store(*catalog_);
  auto a = store.Add(Keys());
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->name, "AWS Billing Account");
  EXPECT_EQ(a->region, "us-east-1");
  EXPECT_EQ(a->created_at, 1'764'403'200'000);
  auto b = store.Add(Keys());
  ASSERT_TRUE(b);
  EXPECT_EQ(b->name, "AWS Billing Account 2");
  auto c = store.Add(Keys(""));
  EXPECT_EQ(c->name, "AWS Billing Account 3");
}

TEST_F(AccountsTest, ExplicitNameTakenIsConflict) {
  AccountStore store(*catalog_);
  ASSERT_TRUE(store.Add(Keys("prod")));
  auto again = store.Add(Keys("prod"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().message,
            "An account named 'prod' already exists. Choose another name, or change that one with 'billpipe account "
            "edit'.");
}

TEST_F(AccountsTest, SecretsAreSealedAndOpenBack) {
  AccountStore store(*catalog_);
  auto in = Keys("prod");
  in.session_token = kToken;
  auto a = store.Add(in);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_TRUE(a->has_session_token);
  auto s = store.Secrets(*a);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->secret_access_key, kSecret);
  EXPECT_EQ(s->session_token, kToken);
  // The WAL holds the newest pages while the catalog is open (it is checkpointed away on close): check it
  // now, and that it really holds the account (its name), so that this check can fail.
  std::string wal = ReadAll(tmp_.path() / "catalog.db-wal");
  ASSERT_NE(wal.find("prod"), std::string::npos) << "the WAL does not hold the account: the check below is empty";
  EXPECT_EQ(wal.find(kSecret), std::string::npos);
  EXPECT_EQ(wal.find(kToken), std::string::npos);
  catalog_.reset();
  for (const char* f : {"catalog.db", "master.key"}) {
    std::string bytes = ReadAll(tmp_.path() / f);
    ASSERT_FALSE(bytes.empty()) << f;
    EXPECT_EQ(bytes.find(kSecret), std::string::npos) << f;
    EXPECT_EQ(bytes.find(kToken), std::string::npos) << f;
  }
}

TEST_F(AccountsTest, InvalidFieldsSayWhatIsAllowed) {
  AccountStore store(*catalog_);
  auto in = Keys();
  in.access_key_id = "AKIA-bad";
  EXPECT_EQ(store.Add(in).error().message,
            "The access key id ******** is not valid: it has 16 to 128 letters and digits (e.g. AKIAIOSFODNN7EXAMPLE).");
  in = Keys();
  in.secret_access_key.reset();
  EXPECT_EQ(store.Add(in).error().message,
            "The secret access key is missing. Give it at the prompt, with --secret-stdin, or with --secret-env VAR.");
  in = Keys();
  in.region = "US East";
  EXPECT_EQ(store.Add(in).error().message,
            "The region 'US East' is not valid: use an AWS region code such as us-east-1 or eu-west-3.");
  in = Keys();
  in.endpoint = "s3.example.com";
  EXPECT_EQ(store.Add(in).error().message,
            "The endpoint URL 's3.example.com' is not valid: it starts with https:// (or http://), e.g. "
            "https://s3.eu-west-3.amazonaws.com.");
  in = Keys();
  in.secret_access_key = std::string(kSecret) + " x";
  auto spaced = store.Add(in);
  EXPECT_EQ(spaced.error().message,
            "The secret access key has a space or control character; copy it again without them.");
  in = Keys();
  in.profile = "dev";
  EXPECT_EQ(store.Add(in).error().message, "Give either keys (--access-key-id and a secret) or --profile, not both.");
  EXPECT_TRUE(store.List()->empty());
}

TEST_F(AccountsTest, ProfileAccountHasNoSecrets) {
  AccountStore store(*catalog_);
  AccountInput in;
  in.profile = "billing";
  in.region = "eu-west-3";
  auto a = store.Add(in);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->source, CredentialSource::kProfile);
  EXPECT_EQ(a->profile, "billing");
  EXPECT_EQ(store.Secrets(*a)->secret_access_key, "");
  EXPECT_FALSE(std::filesystem::exists(tmp_.path() / "master.key"));
}

TEST_F(AccountsTest, GetUnknownNamesTheAccounts) {
  AccountStore store(*catalog_);
  EXPECT_EQ(store.Get("x").error().message,
            "No account named 'x': there are no accounts yet. Add one with 'billpipe account add'.");
  ASSERT_TRUE(store.Add(Keys("a")));
  ASSERT_TRUE(store.Add(Keys("b")));
  auto e = store.Get("x");
  EXPECT_EQ(e.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(e.error().message, "No account named 'x'. The accounts are: 'a', 'b'.");
}

TEST_F(AccountsTest, RenameKeepsDatasetsAttached) {
  AccountStore store(*catalog_);
  auto a = store.Add(Keys("old"));
  ASSERT_TRUE(AddDataset("costs", a->id));
  ASSERT_TRUE(store.Rename("old", "new"));
  auto renamed = store.Get("new");
  ASSERT_TRUE(renamed);
  EXPECT_EQ(renamed->dataset_count, 1);
  EXPECT_EQ(renamed->id, a->id);
  ASSERT_TRUE(store.Add(Keys("other")));
  EXPECT_EQ(store.Rename("new", "other").error().message,
            "An account named 'other' already exists. Choose another name.");
}

TEST_F(AccountsTest, EditReplacesCredentialsAndKeepsTheRest) {
  AccountStore store(*catalog_);
  auto in = Keys("prod");
  in.session_token = kToken;
  ASSERT_TRUE(store.Add(in));
  AccountInput edit;
  edit.region = "eu-west-3";
  auto e1 = store.Edit("prod", edit);
  ASSERT_TRUE(e1) << e1.error().message;
  EXPECT_EQ(e1->region, "eu-west-3");
  EXPECT_EQ(store.Secrets(*e1)->session_token, kToken);
  edit = {};
  edit.access_key_id = "AKIAI44QH8DHBEXAMPLE";
  edit.secret_access_key = "anotherSecretValue1234";
  auto e2 = store.Edit("prod", edit);
  ASSERT_TRUE(e2) << e2.error().message;
  EXPECT_EQ(e2->access_key_id, "AKIAI44QH8DHBEXAMPLE");
  EXPECT_FALSE(e2->has_session_token);  // a new key pair ends the old session
  EXPECT_EQ(store.Secrets(*e2)->secret_access_key, "anotherSecretValue1234");
  edit = {};
  edit.profile = "billing";
  auto e3 = store.Edit("prod", edit);
  ASSERT_TRUE(e3);
  EXPECT_EQ(e3->source, CredentialSource::kProfile);
  EXPECT_EQ(e3->access_key_id, "");
}

TEST_F(AccountsTest, DeleteRefusedWhileUsedUnlessForced) {
  AccountStore store(*catalog_);
  auto a = store.Add(Keys("prod"));
  ASSERT_TRUE(AddDataset("costs", a->id));
  ASSERT_TRUE(AddDataset("more", a->id));
  auto refused = store.Delete("prod", false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_EQ(refused.error().message,
            "The account 'prod' is used by 2 datasets: 'costs', 'more'. Attach them to another account with "
            "'billpipe dataset edit NAME --account OTHER', or delete with --force to detach them and pause their "
            "schedules.");
  auto forced = store.Delete("prod", true);
  ASSERT_TRUE(forced) << forced.error().message;
  EXPECT_EQ(*forced, (std::vector<std::string>{"costs", "more"}));
  auto s = catalog_->db().Prepare("SELECT account_id IS NULL, paused, pause_reason, next_run_at IS NULL FROM datasets");
  ASSERT_TRUE(s);
  ASSERT_TRUE(*(*s)->Step());
  EXPECT_EQ((*s)->ColumnInt(0), 1);
  EXPECT_EQ((*s)->ColumnInt(1), 1);
  EXPECT_EQ((*s)->ColumnText(2), "account 'prod' was deleted");
  EXPECT_EQ((*s)->ColumnInt(3), 1);
  EXPECT_TRUE(store.List()->empty());
}

TEST_F(AccountsTest, SecretsWithWrongKeyAreAnErrorNotGarbage) {
  AccountStore store(*catalog_);
  auto a = store.Add(Keys("prod"));
  ASSERT_TRUE(a);
  catalog_.reset();
  std::ofstream(tmp_.path() / "master.key") << std::string(64, 'c') << "\n";
  auto c = Catalog::Open(tmp_.path(), clock_);
  AccountStore again(**c);
  auto s = again.Secrets(*a);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kAuth);
  EXPECT_EQ(s.error().message, "The master key from the key file " + (tmp_.path() / "master.key").string() +
                                   " is not the key this catalog's secrets were encrypted with. Restore the "
                                   "original master key (the file master.key in the data directory, or "
                                   "BILLPIPE_MASTER_KEY).");
}

}  // namespace
}  // namespace billpipe::catalog

namespace billpipe::catalog {
namespace {

// Issue 11 l: a lost master key has a way back once no sealed secret remains.
TEST_F(AccountsTest, ResetKeyAfterALostKeyWhenNoSealedSecretRemains) {
  AccountStore store(*catalog_);
  ASSERT_TRUE(store.Add(Keys("prod")));
  AccountInput profile;
  profile.name = "shared";
  profile.profile = "billing";
  ASSERT_TRUE(store.Add(profile));
  catalog_.reset();
  std::filesystem::rename(tmp_.path() / kMasterKeyFileName, tmp_.path() / "lost");  // the key is gone
  auto reopened = Catalog::Open(tmp_.path(), clock_);
  ASSERT_TRUE(reopened);
  catalog_ = std::move(*reopened);

  auto refused = catalog_->ResetMasterKey();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_EQ(refused.error().message,
            "The master key cannot be reset: the secrets of account 'prod' are sealed with it. Restore the original "
            "key (the file master.key in the data directory, or BILLPIPE_MASTER_KEY), or delete it with billpipe "
            "account delete NAME --force and add it again.");

  ASSERT_TRUE(AccountStore(*catalog_).Delete("prod", false));
  auto reset = catalog_->ResetMasterKey();
  ASSERT_TRUE(reset) << reset.error().message;
  EXPECT_EQ(reset->key_source, "the key file " + (tmp_.path() / kMasterKeyFileName).string());
  EXPECT_TRUE(reset->old_key_file.empty());  // there was no key file to keep
  EXPECT_TRUE(std::filesystem::exists(tmp_.path() / kMasterKeyFileName));
  // The new key works: a new account's secret seals and opens, also after reopening.
  auto added = AccountStore(*catalog_).Add(Keys("again"));
  ASSERT_TRUE(added) << added.error().message;
  catalog_.reset();
  catalog_ = std::move(*Catalog::Open(tmp_.path(), clock_));
  auto again = AccountStore(*catalog_).Get("again");
  ASSERT_TRUE(again);
  auto secrets = AccountStore(*catalog_).Secrets(*again);
  ASSERT_TRUE(secrets) << secrets.error().message;
  EXPECT_EQ(secrets->secret_access_key, kSecret);
  // With the key there, there is nothing to reset.
  auto nothing = catalog_->ResetMasterKey();
  ASSERT_FALSE(nothing);
  EXPECT_EQ(nothing.error().message, "The master key from the key file " +
                                         (tmp_.path() / kMasterKeyFileName).string() +
                                         " opens this catalog: there is nothing to reset.");
}

}  // namespace
}  // namespace billpipe::catalog
