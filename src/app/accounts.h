// Account operations (docs/catalog.md "Accounts"), as the CLI and a server call them: structured input,
// structured output, no printing. Nothing here returns or logs a secret; the JSON view masks the key.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/accounts.h"
#include "catalog/catalog.h"
#include "catalog/credential_check.h"
#include "util/status.h"

namespace billpipe::app {

// How an add or edit tests the credentials before they are kept.
struct CredentialTest {
  bool enabled = true;
  std::string bucket;  // empty: ListBuckets; else a ListObjectsV2 of this bucket
};

struct AddedAccount {
  catalog::Account account;
  std::optional<catalog::CredentialCheck> check;  // set when tested
};

// Tests (unless disabled), then saves: a failed test leaves nothing behind.
Result<AddedAccount> AddAccount(catalog::Catalog& catalog, const catalog::AccountInput& input,
                                const CredentialTest& test);
// Replaces the fields set in input and tests the result, in one catalog transaction: a failed test
// keeps the old credentials.
Result<catalog::Account> EditAccount(catalog::Catalog& catalog, const std::string& name,
                                     const catalog::AccountInput& input, const CredentialTest& test);
// Tests a stored account's credentials; for a role account, the role is assumed first. The check says
// who the credentials are (sts:GetCallerIdentity) when STS can be reached (credential_check.h).
Result<catalog::CredentialCheck> TestAccount(catalog::Catalog& catalog, const std::string& name,
                                             const std::string& bucket);
Result<std::vector<catalog::Account>> ListAccounts(catalog::Catalog& catalog);
Result<catalog::Account> GetAccount(catalog::Catalog& catalog, const std::string& name);
Status RenameAccount(catalog::Catalog& catalog, const std::string& from, const std::string& to);
// Returns the names of the datasets detached (force) — see catalog::AccountStore::Delete.
Result<std::vector<std::string>> DeleteAccount(catalog::Catalog& catalog, const std::string& name, bool force);
// A lost master key when no sealed secret remains: see catalog::Catalog::ResetMasterKey.
Result<catalog::Catalog::KeyReset> ResetMasterKey(catalog::Catalog& catalog);

// {"name","source","region","endpoint","datasets","created_at","updated_at"} plus, for keys,
// "access_key_id" (masked) and "session_token" (whether there is one); for a profile, "profile"; for a
// role, "role_arn", "external_id" (masked "…7f3a", null when none), "session_name" and
// "duration_seconds" (null: the defaults) and "source_account" (null: the ambient credentials).
// "source" is the account's kind: "keys", "profile" or "role".
nlohmann::json AccountJson(const catalog::Account& account);

// What `account test` proved: {"account": name, "bucket": the bucket listed or null, "buckets": the
// ListBuckets count or null, "caller": {"account", "arn"} or null when STS was not asked or failed}.
nlohmann::json CredentialCheckJson(const std::string& account_name, const catalog::CredentialCheck& check);

}  // namespace billpipe::app
