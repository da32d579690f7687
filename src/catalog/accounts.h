// Accounts: the AWS credentials datasets pull with. An account holds either keys (access key id,
// secret access key, optional session token) or the name of a profile in the shared AWS files
// (~/.aws/credentials, ~/.aws/config), plus a region and an optional endpoint URL.
//
// Secrets are sealed in the catalog (secret_box.h) and leave it only through AccountStore::Secrets.
// Account itself never holds a secret, so printing one (text or JSON) cannot leak.
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

enum class CredentialSource { kKeys, kProfile };
std::string_view CredentialSourceName(CredentialSource source);  // "keys" | "profile"

struct Account {
  int64_t id = 0;
  std::string name;
  CredentialSource source = CredentialSource::kKeys;
  std::string access_key_id;  // kKeys; not a secret, but shown masked
  bool has_session_token = false;
  std::string profile;        // kProfile
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
// profile switches the account's source (and a switch to keys needs a secret).
struct AccountInput {
  std::optional<std::string> name;  // add: empty → "AWS Billing Account", made unique
  std::optional<std::string> access_key_id;
  std::optional<std::string> secret_access_key;
  std::optional<std::string> session_token;  // "" removes it
  std::optional<std::string> profile;
  std::optional<std::string> region;
  std::optional<std::string> endpoint;
};

// "AKIA…WXYZ": the first four and last four characters; shorter ids are all masked.
std::string MaskAccessKey(std::string_view access_key_id);

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

  // Renames; datasets stay attached (they refer to the account by id).
  Status Rename(std::string_view from, std::string_view to);
  // Replaces the fields set in input; returns the account as stored.
  Result<Account> Edit(std::string_view name, const AccountInput& input);
  // Deletes the account. While datasets use it: kConflict naming them, unless force, which detaches
  // them and pauses their schedules. Returns the names of the datasets detached.
  Result<std::vector<std::string>> Delete(std::string_view name, bool force);

 private:
  Result<std::string> UniqueDefaultName();
  Status Validate(const Account& account, const AccountSecrets& secrets, bool check_secrets);
  Status StoreSecrets(int64_t id, const AccountSecrets& secrets);

  Catalog& catalog_;
};

}  // namespace billpipe::catalog
