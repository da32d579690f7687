// billpipe account add|list|show|rename|edit|test|delete (docs/catalog.md).
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "app/accounts.h"
#include "catalog/accounts.h"
#include "catalog/credential_check.h"
#include "cli/catalog_common.h"
#include "cli/commands.h"
#include "util/date.h"

namespace billpipe::cli {
namespace {

using catalog::Account;
using catalog::AccountInput;

struct AccountFlags {
  std::string home;
  std::string name;
  std::string new_name;
  std::string access_key_id;
  bool secret_stdin = false;
  std::string secret_env;
  bool prompt_secret = false;
  std::string token_env;
  bool token_stdin = false;
  bool no_token = false;
  std::string profile;
  std::string role_arn;
  std::string external_id;
  bool no_external_id = false;
  std::string session_name;
  int duration = -1;  // -1: not given
  std::string source_account;
  bool ambient_credentials = false;
  std::string region;
  std::string endpoint;
  std::string bucket;
  bool no_test = false;
  bool force = false;
  bool json = false;
  std::string refused_secret;  // a secret given on the command line: refused, never echoed
};

// Columns a UTF-8 string takes (the mask's ellipsis is one column, three bytes).
size_t DisplayWidth(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string KeyColumn(const Account& a) {
  switch (a.source) {
    case catalog::CredentialSource::kProfile:
      return "profile " + a.profile;
    case catalog::CredentialSource::kRole:
      return "role " + a.role_arn;
    case catalog::CredentialSource::kKeys:
      break;
  }
  return catalog::MaskAccessKey(a.access_key_id);
}

// What `account show` prints of a role account.
void PrintRole(const Account& a) {
  std::cout << fmt::format("Role ARN:      {}\n", a.role_arn);
  std::cout << fmt::format("External id:   {}\n", a.external_id_hint.empty() ? "none" : a.external_id_hint);
  std::cout << fmt::format("Session name:  {}\n",
                           a.session_name.empty() ? "billpipe-<epoch ms> (default)" : a.session_name);
  std::cout << fmt::format("Duration:      {}\n", a.duration_seconds == 0 ? std::string("STS default (1 hour)")
                                                                          : fmt::format("{} s", a.duration_seconds));
  std::cout << fmt::format("Assumed with:  {}\n",
                           a.source_account.empty()
                               ? std::string("the ambient credentials (environment, web identity, profile, "
                                             "container or instance metadata)")
                               : fmt::format("account '{}'", a.source_account));
}

// The role flags of add and edit (edit: only those given).
Status RoleInput(const AccountFlags& f, AccountInput& in) {
  if (!f.role_arn.empty()) in.role_arn = f.role_arn;
  if (f.no_external_id && !f.external_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "Give either --external-id or --no-external-id, not both.");
  }
  if (!f.external_id.empty()) in.external_id = f.external_id;
  if (f.no_external_id) in.external_id = "";
  if (!f.session_name.empty()) in.session_name = f.session_name;
  if (f.duration >= 0) in.duration_seconds = f.duration;
  if (f.ambient_credentials && !f.source_account.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "Give either --source-account or --ambient-credentials, not both.");
  }
  if (!f.source_account.empty()) in.source_account = f.source_account;
  if (f.ambient_credentials) in.source_account = "";
  return Ok();
}

// Reads the secrets the flags ask for. The secret itself never comes from the command line.
Status ReadSecrets(const AccountFlags& f, bool secret_required, AccountInput& in) {
  if (!f.secret_env.empty()) {
    const char* v = std::getenv(f.secret_env.c_str());
    if (!v || !*v) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The environment variable {} (from --secret-env) is not set or empty.", f.secret_env));
    }
    in.secret_access_key = v;
  } else if (f.secret_stdin || (secret_required && StdinIsTerminal()) || f.prompt_secret) {
    auto line = ReadSecretLine("Secret access key: ");
    if (!line || line->empty()) {
      return Fail(ErrorCode::kInvalidArgument, "No secret access key was read from standard input.");
    }
    in.secret_access_key = std::move(*line);
  } else if (secret_required) {
    return Fail(ErrorCode::kInvalidArgument,
                "The secret access key is missing: pipe it with --secret-stdin, name an environment variable with "
                "--secret-env VAR, or run in a terminal to be asked. It is never taken from the command line.");
  }
  if (!f.token_env.empty()) {
    const char* v = std::getenv(f.token_env.c_str());
    if (!v || !*v) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The environment variable {} (from --session-token-env) is not set or empty.",
                              f.token_env));
    }
    in.session_token = v;
  } else if (f.token_stdin) {
    auto line = ReadSecretLine("Session token: ");
    if (!line || line->empty()) return Fail(ErrorCode::kInvalidArgument, "No session token was read from standard input.");
    in.session_token = std::move(*line);
  } else if (f.no_token) {
    in.session_token = "";
  }
  return Ok();
}

// " (ListBuckets: 2 buckets)" after a test without a bucket; "" after one with (it says nothing more).
std::string CheckSuffix(const std::optional<catalog::CredentialCheck>& check) {
  if (!check || !check->bucket.empty()) return "";
  return " (" + catalog::DescribeCheck(*check) + ")";
}

void AddCredentialOptions(CLI::App* cmd, AccountFlags& f) {
  cmd->add_option("--access-key-id", f.access_key_id, "AWS access key id (AKIA...)");
  cmd->add_flag("--secret-stdin", f.secret_stdin, "Read the secret access key from standard input");
  cmd->add_option("--secret-env", f.secret_env, "Read the secret access key from this environment variable");
  cmd->add_option("--session-token-env", f.token_env, "Read a session token from this environment variable");
  cmd->add_flag("--session-token-stdin", f.token_stdin, "Read a session token from the next line of standard input");
  cmd->add_option("--profile", f.profile, "Use a profile of the shared AWS files instead of keys");
  cmd->add_option("--role-arn", f.role_arn,
                  "A role account: the IAM role to assume with sts:AssumeRole (arn:aws:iam::123456789012:role/NAME)");
  cmd->add_option("--external-id", f.external_id, "Role: the external id the role's trust policy asks for");
  cmd->add_option("--session-name", f.session_name, "Role: the session name (default billpipe-<epoch ms>)");
  cmd->add_option("--duration", f.duration, "Role: session duration in seconds, 900 to 43200 (default STS's, 3600)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--source-account", f.source_account,
                  "Role: the account whose credentials assume the role (default: the ambient credentials)");
  cmd->add_option("--region", f.region, "AWS region of the bucket (default us-east-1)");
  cmd->add_option("--endpoint", f.endpoint, "S3 endpoint URL (default: AWS's)");
  // Taken (so that a parse error cannot echo them) and refused.
  for (const char* name : {"--secret", "--secret-access-key", "--session-token"}) {
    cmd->add_option(name, f.refused_secret)->group("");
  }
}

// A secret on the command line is visible to every user of the machine (ps, shell history).
Status RefuseCommandLineSecret(const AccountFlags& f) {
  if (f.refused_secret.empty()) return Ok();
  return Fail(ErrorCode::kInvalidArgument,
              "Secrets are never taken from the command line (other users can see it). Give the secret with "
              "--secret-stdin, --secret-env VAR, or at the prompt.");
}

}  // namespace

void RegisterAccountCommand(CLI::App& app, CliState& state) {
  auto f = std::make_shared<AccountFlags>();
  auto* account = app.add_subcommand("account", "Add, list, change and test AWS accounts (credentials)");
  account->require_subcommand(1);

  auto run = [&state](std::function<Status()> body) {
    Status s = body();
    state.exit_code = s ? kExitOk : ReportError(s.error());
  };

  auto* add = account->add_subcommand(
      "add", "Add an account: keys (secret from a prompt, stdin or env), a profile, or a role (--role-arn)");
  add->add_option("name", f->name, "Account name (or --name)");
  add->add_option("--name", f->name, "Account name (default \"AWS Billing Account\", made unique)");
  AddCredentialOptions(add, *f);
  add->add_option("--bucket", f->bucket, "Test with a ListObjectsV2 of this bucket (else ListBuckets)");
  add->add_flag("--no-test", f->no_test, "Save without testing the credentials");
  add->add_flag("--json", f->json, "Print the account as JSON");
  add->callback([f, run] {
    run([&]() -> Status {
      BP_RETURN_IF_ERROR(RefuseCommandLineSecret(*f));
      AccountInput in;
      if (!f->name.empty()) in.name = f->name;
      BP_RETURN_IF_ERROR(RoleInput(*f, in));
      if (!f->role_arn.empty()) {
        // A role account holds no keys: AccountStore::Add refuses any given with it.
        if (!f->profile.empty()) in.profile = f->profile;
        if (!f->access_key_id.empty()) in.access_key_id = f->access_key_id;
        BP_RETURN_IF_ERROR(ReadSecrets(*f, /*secret_required=*/false, in));
      } else if (!f->profile.empty()) {
        in.profile = f->profile;
      } else {
        in.access_key_id = f->access_key_id;
        if (f->access_key_id.empty() && !StdinIsTerminal()) {
          return Fail(ErrorCode::kInvalidArgument,
                      "Give --access-key-id with a secret, or --profile to use the shared AWS files.");
        }
        BP_RETURN_IF_ERROR(ReadSecrets(*f, /*secret_required=*/true, in));
      }
      if (!f->region.empty()) in.region = f->region;
      if (!f->endpoint.empty()) in.endpoint = f->endpoint;
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(auto added, app::AddAccount(*cat, in, {!f->no_test, f->bucket}));
      const Account& a = added.account;
      if (f->json) {
        std::cout << app::AccountJson(a).dump(2) << "\n";
      } else {
        std::cout << fmt::format("Added account '{}' ({}, {}){}{}.\n", a.name, KeyColumn(a), a.region,
                                 f->no_test ? ", not tested" : ", credentials tested", CheckSuffix(added.check));
      }
      return Ok();
    });
  });

  auto* list = account->add_subcommand("list", "List accounts: name, masked key, region, datasets using it");
  list->add_flag("--json", f->json, "Print JSON (never secrets)");
  list->callback([f, run] {
    run([&]() -> Status {
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(auto accounts, app::ListAccounts(*cat));
      if (f->json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& a : accounts) arr.push_back(app::AccountJson(a));
        std::cout << arr.dump(2) << "\n";
        return Ok();
      }
      if (accounts.empty()) {
        std::cout << "No accounts. Add one with 'billpipe account add'.\n";
        return Ok();
      }
      size_t name_w = 4, key_w = 3, region_w = 6;
      for (const auto& a : accounts) {
        name_w = std::max(name_w, a.name.size());
        key_w = std::max(key_w, DisplayWidth(KeyColumn(a)));
        region_w = std::max(region_w, a.region.size());
      }
      std::cout << fmt::format("{:<{}}  {:<{}}  {:<{}}  {}\n", "NAME", name_w, "KEY", key_w, "REGION", region_w,
                               "DATASETS");
      for (const auto& a : accounts) {
        std::cout << fmt::format("{:<{}}  {:<{}}  {:<{}}  {}\n", a.name, name_w, KeyColumn(a), key_w,
                                 a.region, region_w, a.dataset_count);
      }
      return Ok();
    });
  });

  auto* show = account->add_subcommand("show", "Show one account (never its secrets)");
  show->add_option("name", f->name, "Account name")->required();
  show->add_flag("--json", f->json, "Print JSON (never secrets)");
  show->callback([f, run] {
    run([&]() -> Status {
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(Account a, app::GetAccount(*cat, f->name));
      if (f->json) {
        std::cout << app::AccountJson(a).dump(2) << "\n";
        return Ok();
      }
      std::cout << fmt::format("Name:          {}\n", a.name);
      std::cout << fmt::format("Kind:          {}\n", catalog::CredentialSourceName(a.source));
      if (a.source == catalog::CredentialSource::kKeys) {
        std::cout << fmt::format("Access key:    {}\n", catalog::MaskAccessKey(a.access_key_id));
        std::cout << fmt::format("Session token: {}\n", a.has_session_token ? "yes" : "no");
      } else if (a.source == catalog::CredentialSource::kProfile) {
        std::cout << fmt::format("Profile:       {}\n", a.profile);
      } else {
        PrintRole(a);
      }
      std::cout << fmt::format("Region:        {}\n", a.region);
      std::cout << fmt::format("Endpoint:      {}\n", a.endpoint.empty() ? "AWS" : a.endpoint);
      std::cout << fmt::format("Datasets:      {}\n", a.dataset_count);
      return Ok();
    });
  });

  auto* rename = account->add_subcommand("rename", "Rename an account; its datasets stay attached");
  rename->add_option("name", f->name, "Current name")->required();
  rename->add_option("new-name", f->new_name, "New name")->required();
  rename->callback([f, run] {
    run([&]() -> Status {
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_RETURN_IF_ERROR(app::RenameAccount(*cat, f->name, f->new_name));
      std::cout << fmt::format("Renamed account '{}' to '{}'.\n", f->name, f->new_name);
      return Ok();
    });
  });

  auto* edit = account->add_subcommand("edit", "Replace an account's credentials, region or endpoint");
  edit->add_option("name", f->name, "Account name")->required();
  AddCredentialOptions(edit, *f);
  edit->add_flag("--ask-secret", f->prompt_secret, "Replace the secret access key, asked for at the prompt");
  edit->add_flag("--no-session-token", f->no_token, "Remove the session token");
  edit->add_flag("--no-external-id", f->no_external_id, "Role: remove the external id");
  edit->add_flag("--ambient-credentials", f->ambient_credentials,
                 "Role: assume the role with the ambient credentials instead of a source account");
  edit->add_option("--bucket", f->bucket, "Test with a ListObjectsV2 of this bucket (else ListBuckets)");
  edit->add_flag("--no-test", f->no_test, "Save without testing the credentials");
  edit->callback([f, run] {
    run([&]() -> Status {
      BP_RETURN_IF_ERROR(RefuseCommandLineSecret(*f));
      AccountInput in;
      BP_RETURN_IF_ERROR(RoleInput(*f, in));
      if (!f->profile.empty()) in.profile = f->profile;
      if (!f->access_key_id.empty()) in.access_key_id = f->access_key_id;
      bool new_key = !f->access_key_id.empty();
      BP_RETURN_IF_ERROR(ReadSecrets(*f, /*secret_required=*/new_key, in));
      if (!f->region.empty()) in.region = f->region;
      if (!f->endpoint.empty()) in.endpoint = f->endpoint;
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(Account edited, app::EditAccount(*cat, f->name, in, {!f->no_test, f->bucket}));
      std::cout << fmt::format("Updated account '{}' ({}, {}).\n", edited.name, KeyColumn(edited), edited.region);
      return Ok();
    });
  });

  auto* test = account->add_subcommand(
      "test", "Test an account's credentials against S3 and say who they are (sts:GetCallerIdentity)");
  test->add_option("name", f->name, "Account name")->required();
  test->add_option("--bucket", f->bucket, "Test with a ListObjectsV2 of this bucket (else ListBuckets)");
  test->add_flag("--json", f->json, "Print JSON: the account, what was listed, and the caller's account and ARN");
  test->callback([f, run] {
    run([&]() -> Status {
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(Account a, app::GetAccount(*cat, f->name));
      BP_ASSIGN_OR_RETURN(auto check, app::TestAccount(*cat, a.name, f->bucket));
      if (f->json) {
        std::cout << app::CredentialCheckJson(a.name, check).dump(2) << "\n";
        return Ok();
      }
      catalog::CredentialCheck listed = check;  // the first line says what was listed; the identity follows
      listed.caller_arn.clear();
      std::cout << fmt::format("The credentials of '{}' work{}.\n", a.name, CheckSuffix(listed));
      if (!check.caller_arn.empty()) {
        std::cout << fmt::format("AWS account:   {}\n", check.caller_account);
        std::cout << fmt::format("Signed in as:  {}\n", check.caller_arn);
      }
      return Ok();
    });
  });

  auto* del = account->add_subcommand("delete", "Delete an account (refused while datasets use it, unless --force)");
  del->add_option("name", f->name, "Account name")->required();
  del->add_flag("--force", f->force, "Detach the datasets that use it and pause their schedules");
  del->callback([f, run] {
    run([&]() -> Status {
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(auto detached, app::DeleteAccount(*cat, f->name, f->force));
      std::cout << fmt::format("Deleted account '{}'.", f->name);
      if (!detached.empty()) {
        std::cout << fmt::format(" Detached and paused {} dataset{}: {}.", detached.size(),
                                 detached.size() == 1 ? "" : "s", fmt::join(detached, ", "));
      }
      std::cout << "\n";
      return Ok();
    });
  });
  auto* reset_key = account->add_subcommand(
      "reset-key", "After losing the master key: make a new one, when no account holds a secret sealed with the old");
  reset_key->callback([f, run] {
    run([&]() -> Status {
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(auto reset, app::ResetMasterKey(*cat));
      std::cout << fmt::format("The master key was reset: the new key is in {}.{}\n",
                               reset.key_source,
                               reset.old_key_file.empty()
                                   ? ""
                                   : fmt::format(" The old key file was kept as {}.", reset.old_key_file.string()));
      return Ok();
    });
  });
  for (auto* sub : account->get_subcommands([](CLI::App*) { return true; })) AddHomeOption(sub, &f->home);
}

}  // namespace billpipe::cli
