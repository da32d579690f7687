// Accounts: the AWS credentials datasets pull with. An account is of one of three kinds:
//   keys    — an access key id, secret access key and optional session token;
//   profile — the name of a profile in the shared AWS files (~/.aws/credentials, ~/.aws/config);
//   role    — an IAM role assumed with sts:AssumeRole (role ARN, optional external id, session name and
//             duration), from the credentials of another account of the catalog (a keys or profile
//             account: roles are not chained) or, without one, from the ambient credential chain
//             (aws/credential_chain.h); see role_account.h;
// plus a region and an optional endpoint URL.
//
// Secrets are sealed in the catalog (secret_box.h) and leave it only through AccountStore::Secrets.
// A role's external id is not a secret to AWS, but it is the one thing a confused deputy would need:
// it is sealed the same way, leaves the catalog only through AccountStore::ExternalId, and is shown
// masked (MaskExternalId). Account itself never holds a secret or the full external id, so printing
// one (text or JSON) cannot leak.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "util/status.h"

namespace billpipe::catalog {

inline constexpr const char* kDefaultAccountName = "AWS Billing Account";
inline constexpr const char* kDefaultRegion = "us-east-1";

// The account's kind.
enum class CredentialSource { kKeys, kProfile, kRole };
std::string_view CredentialSourceName(CredentialSource source);  // "keys" | "profile" | "role"

struct Account {
  int64_t id = 0;
  std::string name;
  CredentialSource source = CredentialSource::kKeys;
  std::string access_key_id;  // kKeys; not a secret, but shown masked
  bool has_session_token = false;
  std::string profile;        // kProfile
  // kRole (role_account.h):
  std::string role_arn;
  std::string external_id_hint;   // MaskExternalId of the external id; empty when there is none
  std::string session_name;       // empty: billpipe-<epoch ms>
  int duration_seconds = 0;       // 0: STS's default (one hour)
  int64_t source_account_id = 0;  // the account whose credentials assume the role; 0: the ambient chain
  std::string source_account;     // its name; empty: the ambient chain
  std::string region;
  std::string endpoint;       // empty: AWS's own endpoint for the region
  int dataset_count = 0;      // datasets attached to it
  int64_t created_at = 0;     // ms since epoch
  int64_t updated_at = 0;
};

struct AccountSecrets {
  std::string secret_access_key;
  std::string session_token;  // empty when none
};

// What `add` and `edit` take. For edit, an unset field keeps its value; setting access_key_id or
// profile switches the account's source (and a switch to keys needs a secret). Setting role_arn on
// add makes a role account; the kind of a role account, and to a role account, is not changed by
// edit (add another account).
struct AccountInput {
  std::optional<std::string> name;  // add: empty → "AWS Billing Account", made unique
  std::optional<std::string> access_key_id;
  std::optional<std::string> secret_access_key;
  std::optional<std::string> session_token;  // "" removes it
  std::optional<std::string> profile;
  std::optional<std::string> role_arn;        // a role account
  std::optional<std::string> external_id;     // role: "" removes it
  std::optional<std::string> session_name;    // role: "" for the default
  std::optional<int> duration_seconds;        // role: 0 for STS's default
  std::optional<std::string> source_account;  // role: another account's name; "" for the ambient chain
  std::optional<std::string> region;
  std::optional<std::string> endpoint;
};

// "AKIA…WXYZ": the first four and last four characters; shorter ids are all masked.
std::string MaskAccessKey(std::string_view access_key_id);
// "…7f3a": the last four characters of an external id of 8 or more; "…" for a shorter one; "" for none.
std::string MaskExternalId(std::string_view external_id);

// Account names: 1 to 100 characters, no control characters, not only spaces.
Status ValidateAccountName(std::string_view name);

class AccountStore {
 public:
  explicit AccountStore(Catalog& catalog) : catalog_(catalog) {}

  // Validates and stores a new account. An explicit name already taken is kConflict.
  Result<Account> Add(const AccountInput& input);
  Result<std::vector<Account>> List();
  // kNotFound names the accounts that exist.
  Result<Account> Get(std::string_view name);
  Result<Account> GetById(int64_t id);
  Result<AccountSecrets> Secrets(const Account& account);
  // A role account's external id (empty when none; empty for the other kinds).
  Result<std::string> ExternalId(const Account& account);

  // Renames; datasets stay attached (they refer to the account by id).
  Status Rename(std::string_view from, std::string_view to);
  // Replaces the fields set in input; returns the account as stored.
  Result<Account> Edit(std::string_view name, const AccountInput& input);
  // Deletes the account. While role accounts assume their role with its credentials: kConflict naming
  // them, even with force. While datasets use it: kConflict naming them, unless force, which detaches
  // them and pauses their schedules. Returns the names of the datasets detached.
  Result<std::vector<std::string>> Delete(std::string_view name, bool force);

 private:
  Result<std::string> UniqueDefaultName();
  Status Validate(const Account& account, const AccountSecrets& secrets, bool check_secrets);
  Status StoreSecrets(int64_t id, const AccountSecrets& secrets);
  Status StoreExternalId(int64_t id, const std::string& external_id);
  // Resolves a role account's source account by name (into source_account_id): it must exist, be
  // another account, and not be a role account itself.
  Status ResolveSourceAccount(Account& role);

  Catalog& catalog_;
};

}  // namespace billpipe::catalog
