#include "catalog/accounts.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "catalog/role_account.h"

namespace billpipe::catalog {
namespace {

constexpr size_t kMaxAccountNameLength = 100;
constexpr size_t kMinAccessKeyIdLength = 16;   // AWS IAM AccessKey: 16 to 128 characters
constexpr size_t kMaxAccessKeyIdLength = 128;

constexpr std::string_view kAccountColumns =
    "a.id, a.name, a.source, a.access_key_id, a.token_sealed <> '', a.profile, a.region, a.endpoint, "
    "a.created_at, a.updated_at, (SELECT count(*) FROM datasets d WHERE d.account_id = a.id), a.role_arn, "
    "a.external_id_hint, a.session_name, a.duration_seconds, coalesce(a.source_account_id, 0), "
    "coalesce((SELECT s.name FROM accounts s WHERE s.id = a.source_account_id), '')";

Account ReadAccount(const sink::SqliteStatement& s) {
  Account a;
  a.id = s.ColumnInt(0);
  a.name = s.ColumnText(1);
  std::string source = s.ColumnText(2);
  a.source = source == "profile" ? CredentialSource::kProfile
             : source == "role"  ? CredentialSource::kRole
                                 : CredentialSource::kKeys;
  a.access_key_id = s.ColumnText(3);
  a.has_session_token = s.ColumnInt(4) != 0;
  a.profile = s.ColumnText(5);
  a.region = s.ColumnText(6);
  a.endpoint = s.ColumnText(7);
  a.created_at = s.ColumnInt(8);
  a.updated_at = s.ColumnInt(9);
  a.dataset_count = static_cast<int>(s.ColumnInt(10));
  a.role_arn = s.ColumnText(11);
  a.external_id_hint = s.ColumnText(12);
  a.session_name = s.ColumnText(13);
  a.duration_seconds = static_cast<int>(s.ColumnInt(14));
  a.source_account_id = s.ColumnInt(15);
  a.source_account = s.ColumnText(16);
  return a;
}

std::string SecretContext(int64_t id, std::string_view what) { return fmt::format("{} of account {}", what, id); }

bool IsAlnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

std::string_view CredentialSourceName(CredentialSource source) {
  switch (source) {
    case CredentialSource::kProfile:
      return "profile";
    case CredentialSource::kRole:
      return "role";
    case CredentialSource::kKeys:
      break;
  }
  return "keys";
}

std::string MaskExternalId(std::string_view external_id) {
  if (external_id.empty()) return "";
  if (external_id.size() < 8) return "…";
  return fmt::format("…{}", external_id.substr(external_id.size() - 4));
}

std::string MaskAccessKey(std::string_view id) {
  if (id.size() < 12) return std::string(id.size(), '*');
  return fmt::format("{}…{}", id.substr(0, 4), id.substr(id.size() - 4));
}

Status ValidateAccountName(std::string_view name) {
  if (name.find_first_not_of(' ') == std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "The account name is empty. Give a name of 1 to 100 characters.");
  }
  if (name.size() > kMaxAccountNameLength) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The account name is {} characters long; the most allowed is {}.", name.size(),
                            kMaxAccountNameLength));
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      return Fail(ErrorCode::kInvalidArgument,
                  "The account name has a control character (such as a tab or newline); use printable characters.");
    }
  }
  return Ok();
}

Status AccountStore::Validate(const Account& a, const AccountSecrets& secrets, bool check_secrets) {
  BP_RETURN_IF_ERROR(ValidateAccountName(a.name));
  if (a.source == CredentialSource::kKeys) {
    const auto& id = a.access_key_id;
    if (id.empty()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "The access key id is missing. Give --access-key-id, or --profile to use the shared AWS files.");
    }
    bool alnum = std::all_of(id.begin(), id.end(), IsAlnum);
    if (!alnum || id.size() < kMinAccessKeyIdLength || id.size() > kMaxAccessKeyIdLength) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The access key id {} is not valid: it has {} to {} letters and digits "
                              "(e.g. AKIAIOSFODNN7EXAMPLE).",
                              MaskAccessKey(id), kMinAccessKeyIdLength, kMaxAccessKeyIdLength));
    }
    if (check_secrets && secrets.secret_access_key.empty()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "The secret access key is missing. Give it at the prompt, with --secret-stdin, or with "
                  "--secret-env VAR.");
    }
    for (unsigned char c : secrets.secret_access_key) {
      if (c <= 0x20 || c == 0x7f) {
        return Fail(ErrorCode::kInvalidArgument,
                    "The secret access key has a space or control character; copy it again without them.");
      }
    }
    for (unsigned char c : secrets.session_token) {
      if (c <= 0x20 || c == 0x7f) {
        return Fail(ErrorCode::kInvalidArgument,
                    "The session token has a space or control character; copy it again without them.");
      }
    }
  } else if (a.source == CredentialSource::kRole) {
    // The external id is checked where it is known (Add and Edit, with the spec).
    BP_RETURN_IF_ERROR(ValidateRoleAccountSpec({a.role_arn, "", a.session_name, a.duration_seconds}));
  } else {
    if (a.profile.empty() || a.profile.find_first_of(" \t\r\n[]") != std::string::npos) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The profile name '{}' is not valid: give the name of a profile in ~/.aws/credentials "
                              "or ~/.aws/config, without spaces or brackets.",
                              a.profile));
    }
  }
  if (a.region.empty() || !std::all_of(a.region.begin(), a.region.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      })) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The region '{}' is not valid: use an AWS region code such as us-east-1 or eu-west-3.",
                            a.region));
  }
  if (!a.endpoint.empty() && !a.endpoint.starts_with("http://") && !a.endpoint.starts_with("https://")) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The endpoint URL '{}' is not valid: it starts with https:// (or http://), e.g. "
                            "https://s3.eu-west-3.amazonaws.com.",
                            a.endpoint));
  }
  return Ok();
}

Result<std::string> AccountStore::UniqueDefaultName() {
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare("SELECT 1 FROM accounts WHERE name = ?"));
  for (int n = 1;; ++n) {
    std::string name = n == 1 ? kDefaultAccountName : fmt::format("{} {}", kDefaultAccountName, n);
    stmt->BindText(1, name);
    BP_ASSIGN_OR_RETURN(bool taken, stmt->Step());
    stmt->Reset();
    if (!taken) return name;
  }
}

Status AccountStore::StoreSecrets(int64_t id, const AccountSecrets& secrets) {
  std::string secret_sealed, token_sealed;
  if (!secrets.secret_access_key.empty()) {
    BP_ASSIGN_OR_RETURN(const SecretBox* box, catalog_.Secrets());
    BP_ASSIGN_OR_RETURN(secret_sealed, box->Seal(secrets.secret_access_key, SecretContext(id, "secret access key")));
    if (!secrets.session_token.empty()) {
      BP_ASSIGN_OR_RETURN(token_sealed, box->Seal(secrets.session_token, SecretContext(id, "session token")));
    }
  }
  BP_ASSIGN_OR_RETURN(auto stmt,
                      catalog_.db().Prepare("UPDATE accounts SET secret_sealed = ?, token_sealed = ? WHERE id = ?"));
  stmt->BindText(1, secret_sealed);
  stmt->BindText(2, token_sealed);
  stmt->BindInt(3, id);
  return stmt->Run();
}

Status AccountStore::StoreExternalId(int64_t id, const std::string& external_id) {
  std::string sealed;
  if (!external_id.empty()) {
    BP_ASSIGN_OR_RETURN(const SecretBox* box, catalog_.Secrets());
    BP_ASSIGN_OR_RETURN(sealed, box->Seal(external_id, SecretContext(id, "external id")));
  }
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare(
                                     "UPDATE accounts SET external_id_sealed = ?, external_id_hint = ? WHERE id = ?"));
  const std::string hint = MaskExternalId(external_id);  // bound without a copy: must outlive Run()
  stmt->BindText(1, sealed);
  stmt->BindText(2, hint);
  stmt->BindInt(3, id);
  return stmt->Run();
}

Status AccountStore::ResolveSourceAccount(Account& role) {
  role.source_account_id = 0;
  if (role.source_account.empty()) return Ok();
  BP_ASSIGN_OR_RETURN(Account base, Get(role.source_account));
  if (base.id == role.id || base.name == role.name) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The role account '{}' cannot be its own source account. Name a keys or profile account, "
                            "or none to assume the role with the ambient credentials.",
                            role.name));
  }
  if (base.source == CredentialSource::kRole) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The source account '{}' is itself a role account: billpipe does not chain roles. Name a "
                            "keys or profile account, or none to assume the role with the ambient credentials.",
                            base.name));
  }
  role.source_account_id = base.id;
  role.source_account = base.name;
  return Ok();
}

// The parts of an input that only a role account takes, named as the CLI names them.
static std::vector<std::string> RoleOnlyFields(const AccountInput& in) {
  std::vector<std::string> out;
  if (in.external_id) out.push_back("--external-id");
  if (in.session_name) out.push_back("--session-name");
  if (in.duration_seconds) out.push_back("--duration");
  if (in.source_account) out.push_back("--source-account");
  return out;
}

Result<Account> AccountStore::Add(const AccountInput& input) {
  Account a;
  AccountSecrets secrets;
  a.source = input.role_arn  ? CredentialSource::kRole
             : input.profile ? CredentialSource::kProfile
                             : CredentialSource::kKeys;
  if (input.profile && (input.access_key_id || input.secret_access_key)) {
    return Fail(ErrorCode::kInvalidArgument,
                "Give either keys (--access-key-id and a secret) or --profile, not both.");
  }
  if (input.role_arn && (input.profile || input.access_key_id || input.secret_access_key || input.session_token)) {
    return Fail(ErrorCode::kInvalidArgument,
                "A role account (--role-arn) holds no keys or profile of its own: name the account whose credentials "
                "assume the role with --source-account, or none for the ambient credentials.");
  }
  if (!input.role_arn && !RoleOnlyFields(input).empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{} go{} with --role-arn (a role account).", fmt::join(RoleOnlyFields(input), ", "),
                            RoleOnlyFields(input).size() == 1 ? "es" : ""));
  }
  std::string external_id = input.external_id.value_or("");
  if (a.source == CredentialSource::kRole) {
    a.role_arn = *input.role_arn;
    a.session_name = input.session_name.value_or("");
    a.duration_seconds = input.duration_seconds.value_or(0);
    a.source_account = input.source_account.value_or("");
    BP_RETURN_IF_ERROR(ValidateRoleAccountSpec({a.role_arn, external_id, a.session_name, a.duration_seconds}));
  }
  a.access_key_id = input.access_key_id.value_or("");
  a.profile = input.profile.value_or("");
  a.region = input.region.value_or(kDefaultRegion);
  a.endpoint = input.endpoint.value_or("");
  secrets.secret_access_key = input.secret_access_key.value_or("");
  secrets.session_token = input.session_token.value_or("");
  int64_t now = catalog_.NowMillis();
  Status s = catalog_.InTransaction([&]() -> Status {
    if (input.name && !input.name->empty()) {
      a.name = *input.name;
    } else {
      BP_ASSIGN_OR_RETURN(a.name, UniqueDefaultName());
    }
    BP_RETURN_IF_ERROR(Validate(a, secrets, true));
    if (a.source == CredentialSource::kRole) BP_RETURN_IF_ERROR(ResolveSourceAccount(a));
    BP_ASSIGN_OR_RETURN(auto exists, catalog_.db().Prepare("SELECT 1 FROM accounts WHERE name = ?"));
    exists->BindText(1, a.name);
    BP_ASSIGN_OR_RETURN(bool taken, exists->Step());
    if (taken) {
      return Fail(ErrorCode::kConflict,
                  fmt::format("An account named '{}' already exists. Choose another name, or change that one "
                              "with 'billpipe account edit'.",
                              a.name));
    }
    BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare(
                                       "INSERT INTO accounts(name, source, access_key_id, profile, region, endpoint, "
                                       "created_at, updated_at, role_arn, session_name, duration_seconds, "
                                       "source_account_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    stmt->BindText(1, a.name);
    stmt->BindText(2, CredentialSourceName(a.source));
    stmt->BindText(3, a.access_key_id);
    stmt->BindText(4, a.profile);
    stmt->BindText(5, a.region);
    stmt->BindText(6, a.endpoint);
    stmt->BindInt(7, now);
    stmt->BindInt(8, now);
    stmt->BindText(9, a.role_arn);
    stmt->BindText(10, a.session_name);
    stmt->BindInt(11, a.duration_seconds);
    if (a.source_account_id != 0) {
      stmt->BindInt(12, a.source_account_id);
    } else {
      stmt->BindNull(12);
    }
    BP_RETURN_IF_ERROR(stmt->Run());
    a.id = catalog_.db().LastInsertRowid();
    BP_RETURN_IF_ERROR(StoreSecrets(a.id, secrets));
    return StoreExternalId(a.id, external_id);
  });
  if (!s) return Fail(s.error());
  return GetById(a.id);
}

Result<std::vector<Account>> AccountStore::List() {
  BP_ASSIGN_OR_RETURN(auto stmt,
                      catalog_.db().Prepare(fmt::format("SELECT {} FROM accounts a ORDER BY a.name", kAccountColumns)));
  std::vector<Account> out;
  for (;;) {
    BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    out.push_back(ReadAccount(*stmt));
  }
  return out;
}

Result<Account> AccountStore::Get(std::string_view name) {
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare(
                                     fmt::format("SELECT {} FROM accounts a WHERE a.name = ?", kAccountColumns)));
  stmt->BindText(1, name);
  BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (row) return ReadAccount(*stmt);
  BP_ASSIGN_OR_RETURN(auto all, List());
  std::vector<std::string> names;
  for (const auto& a : all) names.push_back("'" + a.name + "'");
  if (names.empty()) {
    return Fail(ErrorCode::kNotFound,
                fmt::format("No account named '{}': there are no accounts yet. Add one with 'billpipe account add'.",
                            name));
  }
  return Fail(ErrorCode::kNotFound,
              fmt::format("No account named '{}'. The accounts are: {}.", name, fmt::join(names, ", ")));
}

Result<Account> AccountStore::GetById(int64_t id) {
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare(
                                     fmt::format("SELECT {} FROM accounts a WHERE a.id = ?", kAccountColumns)));
  stmt->BindInt(1, id);
  BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return Fail(ErrorCode::kNotFound, fmt::format("No account with id {}.", id));
  return ReadAccount(*stmt);
}

Result<AccountSecrets> AccountStore::Secrets(const Account& account) {
  AccountSecrets out;
  if (account.source != CredentialSource::kKeys) return out;
  BP_ASSIGN_OR_RETURN(auto stmt,
                      catalog_.db().Prepare("SELECT secret_sealed, token_sealed FROM accounts WHERE id = ?"));
  stmt->BindInt(1, account.id);
  BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return Fail(ErrorCode::kNotFound, fmt::format("No account named '{}'.", account.name));
  std::string secret_sealed = stmt->ColumnText(0), token_sealed = stmt->ColumnText(1);
  BP_ASSIGN_OR_RETURN(const SecretBox* box, catalog_.Secrets());
  auto with_name = [&](Error e) {
    e.Context(fmt::format("account '{}'", account.name));
    return Fail(std::move(e));
  };
  auto secret = box->Open(secret_sealed, SecretContext(account.id, "secret access key"));
  if (!secret) return with_name(secret.error());
  out.secret_access_key = std::move(*secret);
  if (!token_sealed.empty()) {
    auto token = box->Open(token_sealed, SecretContext(account.id, "session token"));
    if (!token) return with_name(token.error());
    out.session_token = std::move(*token);
  }
  return out;
}

Result<std::string> AccountStore::ExternalId(const Account& account) {
  if (account.source != CredentialSource::kRole) return std::string();
  BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare("SELECT external_id_sealed FROM accounts WHERE id = ?"));
  stmt->BindInt(1, account.id);
  BP_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return Fail(ErrorCode::kNotFound, fmt::format("No account named '{}'.", account.name));
  std::string sealed = stmt->ColumnText(0);
  if (sealed.empty()) return std::string();
  BP_ASSIGN_OR_RETURN(const SecretBox* box, catalog_.Secrets());
  auto opened = box->Open(sealed, SecretContext(account.id, "external id"));
  if (!opened) {
    Error e = opened.error();
    e.Context(fmt::format("account '{}'", account.name));
    return Fail(std::move(e));
  }
  return std::move(*opened);
}

Status AccountStore::Rename(std::string_view from, std::string_view to) {
  BP_RETURN_IF_ERROR(ValidateAccountName(to));
  return catalog_.InTransaction([&]() -> Status {
    BP_ASSIGN_OR_RETURN(Account a, Get(from));
    if (from == to) return Ok();
    BP_ASSIGN_OR_RETURN(auto exists, catalog_.db().Prepare("SELECT 1 FROM accounts WHERE name = ?"));
    exists->BindText(1, to);
    BP_ASSIGN_OR_RETURN(bool taken, exists->Step());
    if (taken) {
      return Fail(ErrorCode::kConflict,
                  fmt::format("An account named '{}' already exists. Choose another name.", to));
    }
    BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare("UPDATE accounts SET name = ?, updated_at = ? WHERE id = ?"));
    stmt->BindText(1, to);
    stmt->BindInt(2, catalog_.NowMillis());
    stmt->BindInt(3, a.id);
    return stmt->Run();
  });
}

Result<Account> AccountStore::Edit(std::string_view name, const AccountInput& input) {
  int64_t id = 0;
  Status s = catalog_.InTransaction([&]() -> Status {
    BP_ASSIGN_OR_RETURN(Account a, Get(name));
    id = a.id;
    if (input.profile && (input.access_key_id || input.secret_access_key)) {
      return Fail(ErrorCode::kInvalidArgument, "Give either keys (--access-key-id and a secret) or --profile, not both.");
    }
    bool key_fields = input.profile || input.access_key_id || input.secret_access_key || input.session_token;
    bool role_fields = input.role_arn || !RoleOnlyFields(input).empty();
    if (a.source == CredentialSource::kRole && key_fields) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("'{}' is a role account: it holds no keys or profile of its own. To use keys or a "
                              "profile, add another account with 'billpipe account add' and attach the datasets "
                              "to it.",
                              a.name));
    }
    if (a.source != CredentialSource::kRole && role_fields) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("'{}' is a {} account: --role-arn, --external-id, --session-name, --duration and "
                              "--source-account belong to role accounts. Add one with 'billpipe account add NAME "
                              "--role-arn ARN'.",
                              a.name, CredentialSourceName(a.source)));
    }
    std::optional<std::string> external_id;  // set: replaced ("" removes it)
    if (a.source == CredentialSource::kRole) {
      if (input.role_arn) a.role_arn = *input.role_arn;
      if (input.session_name) a.session_name = *input.session_name;
      if (input.duration_seconds) a.duration_seconds = *input.duration_seconds;
      if (input.source_account) {
        a.source_account = *input.source_account;
        BP_RETURN_IF_ERROR(ResolveSourceAccount(a));
      }
      external_id = input.external_id;
      BP_RETURN_IF_ERROR(
          ValidateRoleAccountSpec({a.role_arn, external_id.value_or(""), a.session_name, a.duration_seconds}));
    }
    bool credentials_change = input.profile || input.access_key_id || input.secret_access_key ||
                              input.session_token;
    AccountSecrets secrets;
    if (a.source == CredentialSource::kKeys && credentials_change && !input.profile) {
      // Keep what is not replaced: the secret when only the token changes, and the reverse.
      BP_ASSIGN_OR_RETURN(secrets, Secrets(a));
    }
    if (input.profile) {
      a.source = CredentialSource::kProfile;
      a.profile = *input.profile;
      a.access_key_id.clear();
      secrets = {};
    } else if (input.access_key_id) {
      if (a.source == CredentialSource::kProfile && !input.secret_access_key) {
        return Fail(ErrorCode::kInvalidArgument,
                    "Switching this account from a profile to keys needs the secret access key too.");
      }
      a.source = CredentialSource::kKeys;
      a.profile.clear();
      a.access_key_id = *input.access_key_id;
    }
    if (input.secret_access_key) {
      if (a.source == CredentialSource::kProfile) {
        return Fail(ErrorCode::kInvalidArgument,
                    "This account uses a profile: give --access-key-id with the secret to switch it to keys.");
      }
      secrets.secret_access_key = *input.secret_access_key;
      if (!input.session_token) secrets.session_token.clear();  // a new key pair ends the old session
    }
    if (input.session_token) secrets.session_token = *input.session_token;
    if (input.region) a.region = *input.region;
    if (input.endpoint) a.endpoint = *input.endpoint;
    BP_RETURN_IF_ERROR(Validate(a, secrets, credentials_change));
    BP_ASSIGN_OR_RETURN(auto stmt, catalog_.db().Prepare(
                                       "UPDATE accounts SET source = ?, access_key_id = ?, profile = ?, region = ?, "
                                       "endpoint = ?, updated_at = ?, role_arn = ?, session_name = ?, "
                                       "duration_seconds = ?, source_account_id = ? WHERE id = ?"));
    stmt->BindText(1, CredentialSourceName(a.source));
    stmt->BindText(2, a.access_key_id);
    stmt->BindText(3, a.profile);
    stmt->BindText(4, a.region);
    stmt->BindText(5, a.endpoint);
    stmt->BindInt(6, catalog_.NowMillis());
    stmt->BindText(7, a.role_arn);
    stmt->BindText(8, a.session_name);
    stmt->BindInt(9, a.duration_seconds);
    if (a.source_account_id != 0) {
      stmt->BindInt(10, a.source_account_id);
    } else {
      stmt->BindNull(10);
    }
    stmt->BindInt(11, a.id);
    BP_RETURN_IF_ERROR(stmt->Run());
    if (credentials_change) BP_RETURN_IF_ERROR(StoreSecrets(a.id, secrets));
    if (external_id) BP_RETURN_IF_ERROR(StoreExternalId(a.id, *external_id));
    return Ok();
  });
  if (!s) return Fail(s.error());
  return GetById(id);
}

Result<std::vector<std::string>> AccountStore::Delete(std::string_view name, bool force) {
  std::vector<std::string> detached;
  Status s = catalog_.InTransaction([&]() -> Status {
    BP_ASSIGN_OR_RETURN(Account a, Get(name));
    BP_ASSIGN_OR_RETURN(auto roles,
                        catalog_.db().Prepare("SELECT name FROM accounts WHERE source_account_id = ? ORDER BY name"));
    roles->BindInt(1, a.id);
    std::vector<std::string> role_users;
    for (;;) {
      BP_ASSIGN_OR_RETURN(bool row, roles->Step());
      if (!row) break;
      role_users.push_back("'" + roles->ColumnText(0) + "'");
    }
    if (!role_users.empty()) {
      // Not even with force: the role accounts would silently fall back to the ambient credentials.
      return Fail(ErrorCode::kConflict,
                  fmt::format("The account '{}' is the source account of {} role account{}: {}. They assume their "
                              "role with its credentials. Give them another source with 'billpipe account edit NAME "
                              "--source-account OTHER' (or --ambient-credentials), or delete them first.",
                              a.name, role_users.size(), role_users.size() == 1 ? "" : "s",
                              fmt::join(role_users, ", ")));
    }
    BP_ASSIGN_OR_RETURN(auto users, catalog_.db().Prepare("SELECT name FROM datasets WHERE account_id = ? ORDER BY name"));
    users->BindInt(1, a.id);
    for (;;) {
      BP_ASSIGN_OR_RETURN(bool row, users->Step());
      if (!row) break;
      detached.push_back(users->ColumnText(0));
    }
    if (!detached.empty() && !force) {
      std::vector<std::string> quoted;
      for (const auto& d : detached) quoted.push_back("'" + d + "'");
      return Fail(ErrorCode::kConflict,
                  fmt::format("The account '{}' is used by {} dataset{}: {}. Attach them to another account with "
                              "'billpipe dataset edit NAME --account OTHER', or delete with --force to detach them "
                              "and pause their schedules.",
                              a.name, detached.size(), detached.size() == 1 ? "" : "s", fmt::join(quoted, ", ")));
    }
    BP_ASSIGN_OR_RETURN(auto pause, catalog_.db().Prepare(
                                        "UPDATE datasets SET account_id = NULL, paused = 1, next_run_at = NULL, "
                                        "pause_reason = ?, updated_at = ? WHERE account_id = ?"));
    std::string reason = fmt::format("account '{}' was deleted", a.name);
    pause->BindText(1, reason);
    pause->BindInt(2, catalog_.NowMillis());
    pause->BindInt(3, a.id);
    BP_RETURN_IF_ERROR(pause->Run());
    BP_ASSIGN_OR_RETURN(auto del, catalog_.db().Prepare("DELETE FROM accounts WHERE id = ?"));
    del->BindInt(1, a.id);
    return del->Run();
  });
  if (!s) return Fail(s.error());
  return detached;
}

}  // namespace billpipe::catalog
