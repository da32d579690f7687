#include "aws/credentials.h"

#include "aws/shared_config.h"

#include <cstdlib>
#include <fstream>
#include <map>

#include <fmt/core.h>

namespace billpipe::aws {
namespace {

using Section = IniSection;

struct Paths {
  std::string credentials;
  std::string config;
};

Paths SharedPaths(const EnvLookup& env) {
  std::string home = env("HOME").value_or("");
  Paths p;
  p.credentials = env("AWS_SHARED_CREDENTIALS_FILE").value_or(home + "/.aws/credentials");
  p.config = env("AWS_CONFIG_FILE").value_or(home + "/.aws/config");
  return p;
}

std::string ProfileName(const CredentialSourceOptions& o, const EnvLookup& env) {
  if (!o.profile.empty()) return o.profile;
  auto p = env("AWS_PROFILE");
  return p && !p->empty() ? *p : "default";
}

const Section* FindProfile(const std::optional<IniFile>& file, const std::string& name, bool config_file) {
  if (!file) return nullptr;
  std::string section = config_file && name != "default" ? "profile " + name : name;
  auto it = file->find(section);
  if (it == file->end() && config_file) it = file->find(name);  // some tools write [name] in config too
  return it == file->end() ? nullptr : &it->second;
}

std::optional<Credentials> KeysOf(const Section* s) {
  if (s == nullptr) return std::nullopt;
  auto id = s->find("aws_access_key_id");
  auto secret = s->find("aws_secret_access_key");
  if (id == s->end() || secret == s->end() || id->second.empty()) return std::nullopt;
  Credentials c{id->second, secret->second, ""};
  if (auto t = s->find("aws_session_token"); t != s->end()) c.session_token = t->second;
  return c;
}

EnvLookup EnvOrDefault(const CredentialSourceOptions& o) { return o.env ? o.env : ProcessEnvironment(); }

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<ResolvedCredentials> ResolveCredentials(const CredentialSourceOptions& options) {
  if (!options.explicit_credentials.access_key_id.empty())
    return ResolvedCredentials{options.explicit_credentials, "explicit"};
  EnvLookup env = EnvOrDefault(options);
  if (options.profile.empty()) {
    auto id = env("AWS_ACCESS_KEY_ID");
    auto secret = env("AWS_SECRET_ACCESS_KEY");
    if (id && !id->empty() && secret)
      return ResolvedCredentials{{*id, *secret, env("AWS_SESSION_TOKEN").value_or("")}, "environment"};
  }
  Paths paths = SharedPaths(env);
  std::string profile = ProfileName(options, env);
  auto creds_file = ReadIniFile(paths.credentials);
  auto config_file = ReadIniFile(paths.config);
  const Section* in_creds = FindProfile(creds_file, profile, false);
  const Section* in_config = FindProfile(config_file, profile, true);
  if (auto c = KeysOf(in_creds))
    return ResolvedCredentials{*c, fmt::format("profile '{}' in {}", profile, paths.credentials)};
  if (auto c = KeysOf(in_config))
    return ResolvedCredentials{*c, fmt::format("profile '{}' in {}", profile, paths.config)};
  bool named = !options.profile.empty() || !env("AWS_PROFILE").value_or("").empty();
  if (named && in_creds == nullptr && in_config == nullptr)
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The AWS profile '{}' does not exist in {} or {}. Name a profile defined there.",
                            profile, paths.credentials, paths.config));
  return Fail(ErrorCode::kAuth,
              fmt::format("No AWS credentials found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add "
                          "aws_access_key_id and aws_secret_access_key to profile '{}' in {}.",
                          profile, paths.credentials));
}

std::string ResolveRegion(const std::string& explicit_region, const CredentialSourceOptions& options) {
  if (!explicit_region.empty()) return explicit_region;
  EnvLookup env = EnvOrDefault(options);
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"})
    if (auto r = env(name); r && !r->empty()) return *r;
  Paths paths = SharedPaths(env);
  auto config_file = ReadIniFile(paths.config);
  if (const Section* s = FindProfile(config_file, ProfileName(options, env), true)) {
    if (auto it = s->find("region"); it != s->end() && !it->second.empty()) return it->second;
  }
  return kDefaultRegion;
}

std::string MaskAccessKeyId(const std::string& id) {
  if (id.size() <= 8) return "…";
  return id.substr(0, 4) + "…" + id.substr(id.size() - 4);
}

}  // namespace billpipe::aws
