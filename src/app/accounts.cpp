#include "app/accounts.h"

#include "util/date.h"

namespace billpipe::app {
namespace {

Result<catalog::CredentialCheck> Check(const catalog::Account& account, const catalog::AccountSecrets& secrets,
                                       const std::string& bucket) {
  return catalog::MakeS3CredentialChecker()->Check(account, secrets, bucket);
}

}  // namespace

Result<AddedAccount> AddAccount(catalog::Catalog& catalog, const catalog::AccountInput& in,
                                const CredentialTest& test) {
  AddedAccount out;
  if (test.enabled) {
    catalog::Account probe;
    probe.name = in.name.value_or(catalog::kDefaultAccountName);
    probe.source = in.profile ? catalog::CredentialSource::kProfile : catalog::CredentialSource::kKeys;
    probe.access_key_id = in.access_key_id.value_or("");
    probe.profile = in.profile.value_or("");
    probe.region = in.region.value_or(catalog::kDefaultRegion);
    probe.endpoint = in.endpoint.value_or("");
    catalog::AccountSecrets secrets{in.secret_access_key.value_or(""), in.session_token.value_or("")};
    BP_ASSIGN_OR_RETURN(out.check, Check(probe, secrets, test.bucket));
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
    BP_ASSIGN_OR_RETURN(auto secrets, store.Secrets(edited));
    BP_ASSIGN_OR_RETURN(auto check, Check(edited, secrets, test.bucket));
    (void)check;
    return Ok();
  }));
  return edited;
}

Result<catalog::CredentialCheck> TestAccount(catalog::Catalog& catalog, const std::string& name,
                                             const std::string& bucket) {
  catalog::AccountStore store(catalog);
  BP_ASSIGN_OR_RETURN(catalog::Account a, store.Get(name));
  BP_ASSIGN_OR_RETURN(auto secrets, store.Secrets(a));
  return Check(a, secrets, bucket);
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
  } else {
    j["profile"] = a.profile;
  }
  return j;
}

}  // namespace billpipe::app
