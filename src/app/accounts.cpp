#include "app/accounts.h"

#include "util/date.h"

namespace billpipe::app {
namespace {

Result<catalog::CredentialCheck> Check(catalog::Catalog& catalog, const catalog::Account& account,
                                       const catalog::AccountSecrets& secrets, const std::string& external_id,
                                       const std::string& bucket) {
  catalog::AccountStore store(catalog);
  BP_ASSIGN_OR_RETURN(auto options, catalog::ClientOptionsForAccount(store, account, secrets, external_id));
  return catalog::MakeS3CredentialChecker()->Check(account, options, bucket);
}

// A stored account, with its own secrets and external id.
Result<catalog::CredentialCheck> CheckStored(catalog::Catalog& catalog, const catalog::Account& account,
                                             const std::string& bucket) {
  catalog::AccountStore store(catalog);
  BP_ASSIGN_OR_RETURN(auto options, catalog::ClientOptionsForAccount(store, account));
  return catalog::MakeS3CredentialChecker()->Check(account, options, bucket);
}

}  // namespace

Result<AddedAccount> AddAccount(catalog::Catalog& catalog, const catalog::AccountInput& in,
                                const CredentialTest& test) {
  AddedAccount out;
  if (test.enabled) {
    catalog::Account probe;
    probe.name = in.name.value_or(catalog::kDefaultAccountName);
    probe.source = in.role_arn  ? catalog::CredentialSource::kRole
                   : in.profile ? catalog::CredentialSource::kProfile
                                : catalog::CredentialSource::kKeys;
    probe.access_key_id = in.access_key_id.value_or("");
    probe.profile = in.profile.value_or("");
    probe.role_arn = in.role_arn.value_or("");
    probe.session_name = in.session_name.value_or("");
    probe.duration_seconds = in.duration_seconds.value_or(0);
    probe.source_account = in.source_account.value_or("");
    probe.region = in.region.value_or(catalog::kDefaultRegion);
    probe.endpoint = in.endpoint.value_or("");
    catalog::AccountSecrets secrets{in.secret_access_key.value_or(""), in.session_token.value_or("")};
    BP_ASSIGN_OR_RETURN(out.check, Check(catalog, probe, secrets, in.external_id.value_or(""), test.bucket));
  }
  BP_ASSIGN_OR_RETURN(out.account, catalog::AccountStore(catalog).Add(in));
  return out;
}

Result<catalog::Account> EditAccount(catalog::Catalog& catalog, const std::string& name,
                                     const catalog::AccountInput& input, const CredentialTest& test) {
  catalog::AccountStore store(catalog);
  catalog::Account edited;
  BP_RETURN_IF_ERROR(catalog.InTransaction([&]() -> Status {
    BP_ASSIGN_OR_RETURN(edited, store.Edit(name, input));
    if (!test.enabled) return Ok();
    BP_ASSIGN_OR_RETURN(auto check, CheckStored(catalog, edited, test.bucket));
    (void)check;
    return Ok();
  }));
  return edited;
}

Result<catalog::CredentialCheck> TestAccount(catalog::Catalog& catalog, const std::string& name,
                                             const std::string& bucket) {
  catalog::AccountStore store(catalog);
  BP_ASSIGN_OR_RETURN(catalog::Account a, store.Get(name));
  return CheckStored(catalog, a, bucket);
}

Result<std::vector<catalog::Account>> ListAccounts(catalog::Catalog& catalog) {
  return catalog::AccountStore(catalog).List();
}

Result<catalog::Account> GetAccount(catalog::Catalog& catalog, const std::string& name) {
  return catalog::AccountStore(catalog).Get(name);
}

Status RenameAccount(catalog::Catalog& catalog, const std::string& from, const std::string& to) {
  return catalog::AccountStore(catalog).Rename(from, to);
}

Result<std::vector<std::string>> DeleteAccount(catalog::Catalog& catalog, const std::string& name, bool force) {
  return catalog::AccountStore(catalog).Delete(name, force);
}

Result<catalog::Catalog::KeyReset> ResetMasterKey(catalog::Catalog& catalog) { return catalog.ResetMasterKey(); }

nlohmann::json AccountJson(const catalog::Account& a) {
  nlohmann::json j = {
      {"name", a.name},
      {"source", std::string(catalog::CredentialSourceName(a.source))},
      {"region", a.region},
      {"endpoint", a.endpoint},
      {"datasets", a.dataset_count},
      {"created_at", FormatTimestamp(a.created_at)},
      {"updated_at", FormatTimestamp(a.updated_at)},
  };
  if (a.source == catalog::CredentialSource::kKeys) {
    j["access_key_id"] = catalog::MaskAccessKey(a.access_key_id);
    j["session_token"] = a.has_session_token;
  } else if (a.source == catalog::CredentialSource::kProfile) {
    j["profile"] = a.profile;
  } else {
    auto or_null = [](const std::string& v) { return v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v); };
    j["role_arn"] = a.role_arn;
    j["external_id"] = or_null(a.external_id_hint);
    j["session_name"] = or_null(a.session_name);
    j["duration_seconds"] = a.duration_seconds == 0 ? nlohmann::json(nullptr) : nlohmann::json(a.duration_seconds);
    j["source_account"] = or_null(a.source_account);
  }
  return j;
}

nlohmann::json CredentialCheckJson(const std::string& account_name, const catalog::CredentialCheck& check) {
  nlohmann::json j = {
      {"account", account_name},
      {"bucket", check.bucket.empty() ? nlohmann::json(nullptr) : nlohmann::json(check.bucket)},
      {"buckets", check.bucket.empty() ? nlohmann::json(check.buckets) : nlohmann::json(nullptr)},
      {"caller", nullptr},
  };
  if (!check.caller_arn.empty()) j["caller"] = {{"account", check.caller_account}, {"arn", check.caller_arn}};
  return j;
}

}  // namespace billpipe::app
