#include "catalog/accounts.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "catalog/migrations.h"

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

// Issue 16: role accounts in the catalog.
namespace billpipe::catalog {
namespace {

constexpr const char* kRoleArn = "arn:aws:iam::444455556666:role/billing-reader";
constexpr const char* kLongExternalId = "bp-external-id-2c9d";

AccountInput Role(const std::string& name, const std::string& source_account = "") {
  AccountInput in;
  in.name = name;
  in.role_arn = kRoleArn;
  in.external_id = kLongExternalId;
  in.session_name = "billpipe-test";
  in.duration_seconds = 1800;
  if (!source_account.empty()) in.source_account = source_account;
  return in;
}

TEST(MaskExternalIdTest, ShowsOnlyTheLastFour) {
  EXPECT_EQ(MaskExternalId("bp-external-id-2c9d"), "…2c9d");
  EXPECT_EQ(MaskExternalId("bp-ext-7f3a"), "…7f3a");
  EXPECT_EQ(MaskExternalId("short"), "…");
  EXPECT_EQ(MaskExternalId(""), "");
}

TEST_F(AccountsTest, RoleAccountIsStoredWithItsExternalIdSealed) {
  AccountStore store(*catalog_);
  ASSERT_TRUE(store.Add(Keys("payer")));
  auto r = store.Add(Role("reader", "payer"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->source, CredentialSource::kRole);
  EXPECT_EQ(CredentialSourceName(r->source), "role");
  EXPECT_EQ(r->role_arn, kRoleArn);
  EXPECT_EQ(r->external_id_hint, "…2c9d");
  EXPECT_EQ(r->session_name, "billpipe-test");
  EXPECT_EQ(r->duration_seconds, 1800);
  EXPECT_EQ(r->source_account, "payer");
  EXPECT_EQ(r->source_account_id, store.Get("payer")->id);
  EXPECT_EQ(r->access_key_id, "");
  EXPECT_EQ(*store.ExternalId(*r), kLongExternalId);
  EXPECT_EQ(store.Secrets(*r)->secret_access_key, "");

  AccountInput ambient;
  ambient.name = "ambient";
  ambient.role_arn = "arn:aws:iam::444455556666:role/plain";
  auto a = store.Add(ambient);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->source_account, "");
  EXPECT_EQ(a->source_account_id, 0);
  EXPECT_EQ(a->external_id_hint, "");
  EXPECT_EQ(*store.ExternalId(*a), "");

  // Renaming the source keeps the role attached to it (by id).
  ASSERT_TRUE(store.Rename("payer", "payer keys"));
  EXPECT_EQ(store.Get("reader")->source_account, "payer keys");
  // The external id is nowhere in the files in clear.
  catalog_.reset();
  for (const auto& entry : std::filesystem::directory_iterator(tmp_.path())) {
    EXPECT_EQ(ReadAll(entry.path()).find(kLongExternalId), std::string::npos) << entry.path();
  }
}

TEST_F(AccountsTest, RoleAccountsRefuseWhatDoesNotFit) {
  AccountStore store(*catalog_);
  ASSERT_TRUE(store.Add(Keys("payer")));
  ASSERT_TRUE(store.Add(Role("reader", "payer")));
  auto with_keys = Role("mixed");
  with_keys.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  EXPECT_EQ(store.Add(with_keys).error().message,
            "A role account (--role-arn) holds no keys or profile of its own: name the account whose credentials "
            "assume the role with --source-account, or none for the ambient credentials.");
  AccountInput keys_with_role_fields = Keys("k");
  keys_with_role_fields.external_id = "x1";
  keys_with_role_fields.source_account = "payer";
  EXPECT_EQ(store.Add(keys_with_role_fields).error().message,
            "--external-id, --source-account go with --role-arn (a role account).");
  auto unknown = store.Add(Role("r2", "nobody"));
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().message, "No account named 'nobody'. The accounts are: 'payer', 'reader'.");
  auto chained = store.Add(Role("r3", "reader"));
  EXPECT_EQ(chained.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(chained.error().message,
            "The source account 'reader' is itself a role account: billpipe does not chain roles. Name a keys or "
            "profile account, or none to assume the role with the ambient credentials.");
  auto bad_arn = Role("r4");
  bad_arn.role_arn = "billing-reader";
  EXPECT_EQ(store.Add(bad_arn).error().message,
            "The role ARN 'billing-reader' is not valid: write it as arn:aws:iam::123456789012:role/NAME.");
  auto bad_duration = Role("r5");
  bad_duration.duration_seconds = 60;
  EXPECT_EQ(store.Add(bad_duration).error().message,
            "The session duration 60 s is not allowed: give 900 to 43200 seconds (15 minutes to 12 hours), at most "
            "the role's maximum session duration.");
  EXPECT_EQ(store.List()->size(), 2u);  // nothing refused was kept
}

TEST_F(AccountsTest, EditChangesRoleFieldsButNotTheKind) {
  AccountStore store(*catalog_);
  ASSERT_TRUE(store.Add(Keys("payer")));
  ASSERT_TRUE(store.Add(Role("reader", "payer")));
  AccountInput edit;
  edit.external_id = "another-external-id-77aa";
  edit.session_name = "nightly";
  edit.source_account = "";  // the ambient credentials
  auto e = store.Edit("reader", edit);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->external_id_hint, "…77aa");
  EXPECT_EQ(*store.ExternalId(*e), "another-external-id-77aa");
  EXPECT_EQ(e->session_name, "nightly");
  EXPECT_EQ(e->duration_seconds, 1800);  // kept
  EXPECT_EQ(e->source_account, "");
  edit = {};
  edit.external_id = "";  // removed
  e = store.Edit("reader", edit);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->external_id_hint, "");
  EXPECT_EQ(*store.ExternalId(*e), "");

  edit = {};
  edit.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  EXPECT_EQ(store.Edit("reader", edit).error().message,
            "'reader' is a role account: it holds no keys or profile of its own. To use keys or a profile, add "
            "another account with 'billpipe account add' and attach the datasets to it.");
  edit = {};
  edit.role_arn = kRoleArn;
  EXPECT_EQ(store.Edit("payer", edit).error().message,
            "'payer' is a keys account: --role-arn, --external-id, --session-name, --duration and --source-account "
            "belong to role accounts. Add one with 'billpipe account add NAME --role-arn ARN'.");
  edit = {};
  edit.source_account = "reader";
  EXPECT_EQ(store.Edit("reader", edit).error().message,
            "The role account 'reader' cannot be its own source account. Name a keys or profile account, or none to "
            "assume the role with the ambient credentials.");
}

TEST_F(AccountsTest, DeleteRefusedWhileARoleAccountUsesItEvenWithForce) {
  AccountStore store(*catalog_);
  ASSERT_TRUE(store.Add(Keys("payer")));
  ASSERT_TRUE(store.Add(Role("reader", "payer")));
  ASSERT_TRUE(store.Add(Role("auditor", "payer")));
  for (bool force : {false, true}) {
    auto refused = store.Delete("payer", force);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
    EXPECT_EQ(refused.error().message,
              "The account 'payer' is the source account of 2 role accounts: 'auditor', 'reader'. They assume their "
              "role with its credentials. Give them another source with 'billpipe account edit NAME "
              "--source-account OTHER' (or --ambient-credentials), or delete them first.");
  }
  ASSERT_TRUE(store.Delete("auditor", false));
  AccountInput ambient;
  ambient.source_account = "";
  ASSERT_TRUE(store.Edit("reader", ambient));
  ASSERT_TRUE(store.Delete("payer", false));
  EXPECT_EQ(store.List()->size(), 1u);
}

TEST_F(AccountsTest, ResetKeyIsRefusedWhileARoleAccountHoldsASealedExternalId) {
  AccountStore store(*catalog_);
  ASSERT_TRUE(store.Add(Role("reader")));
  catalog_.reset();
  std::ofstream(tmp_.path() / "master.key", std::ios::trunc) << std::string(64, 'c') << "\n";
  catalog_ = std::move(*Catalog::Open(tmp_.path(), clock_));
  auto refused = catalog_->ResetMasterKey();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_NE(refused.error().message.find("account 'reader'"), std::string::npos) << refused.error().message;
}

// A catalog of schema version 3 (before role accounts) keeps its accounts, secrets and the datasets'
// attachments when it is opened and upgraded.
TEST_F(AccountsTest, UpgradeToRoleAccountsKeepsAccountsAndDatasetsAttached) {
  catalog_.reset();
  TempDir old_home;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((old_home.path() / kCatalogFileName).c_str(), &db), SQLITE_OK);
    for (size_t i = 0; i < 3; ++i) {
      ASSERT_EQ(sqlite3_exec(db, std::string(Migrations()[i]).c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << i;
    }
    const char* rows =
        "PRAGMA user_version = 3;"
        "INSERT INTO accounts(id, name, source, access_key_id, profile, region, created_at, updated_at) VALUES "
        "(7, 'prod', 'keys', 'AKIAIOSFODNN7EXAMPLE', '', 'us-east-1', 1, 1), "
        "(9, 'shared', 'profile', '', 'billing', 'eu-west-3', 1, 1);"
        "INSERT INTO datasets(name, account_id, report_type, filter, bucket, prefix, report_name, duration_start, "
        "update_method, schedule, retry, created_at, updated_at) VALUES "
        "('costs', 7, 'cost-and-usage', 'all', 'b', 'p', 'r', '1d', 'replace', 'manual', 'never', 0, 0), "
        "('more', 9, 'cost-and-usage', 'all', 'b', 'p', 'r', '1d', 'replace', 'manual', 'never', 0, 0);";
    ASSERT_EQ(sqlite3_exec(db, rows, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  auto c = Catalog::Open(old_home.path(), clock_);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(*(*c)->SchemaVersion(), static_cast<int>(Migrations().size()));
  AccountStore store(**c);
  auto prod = store.Get("prod");
  ASSERT_TRUE(prod) << prod.error().message;
  EXPECT_EQ(prod->id, 7);
  EXPECT_EQ(prod->source, CredentialSource::kKeys);
  EXPECT_EQ(prod->dataset_count, 1);
  auto shared = store.Get("shared");
  ASSERT_TRUE(shared);
  EXPECT_EQ(shared->profile, "billing");
  EXPECT_EQ(shared->dataset_count, 1);
  auto s = (*c)->db().Prepare("SELECT name, account_id FROM datasets ORDER BY name");
  ASSERT_TRUE(s);
  ASSERT_TRUE(*(*s)->Step());
  EXPECT_EQ((*s)->ColumnText(0), "costs");
  EXPECT_EQ((*s)->ColumnInt(1), 7);
  ASSERT_TRUE(*(*s)->Step());
  EXPECT_EQ((*s)->ColumnInt(1), 9);
  // And the upgraded table takes role accounts.
  auto r = store.Add(Role("reader", "prod"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->source_account, "prod");
}

}  // namespace
}  // namespace billpipe::catalog
