// The shared AWS files: ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE) and ~/.aws/config
// (AWS_CONFIG_FILE). Sections "[NAME]" in the credentials file, "[default]", "[profile NAME]" and
// "[sso-session NAME]" in the config file; "key = value"; comments with '#' or ';'; indented
// sub-properties (s3 = ...) are skipped.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "aws/credentials.h"

namespace billpipe::aws {

using IniSection = std::map<std::string, std::string>;
using IniFile = std::map<std::string, IniSection>;

// nullopt when the file cannot be opened.
std::optional<IniFile> ReadIniFile(const std::string& path);

struct SharedConfig {
  std::string credentials_path;
  std::string config_path;
  std::optional<IniFile> credentials;
  std::optional<IniFile> config;

  static SharedConfig Load(const EnvLookup& env);
  // The profile's section in each file (null when absent).
  const IniSection* InCredentials(const std::string& profile) const;
  const IniSection* InConfig(const std::string& profile) const;
  // Both sections merged, the credentials file winning; nullopt when the profile is in neither.
  std::optional<IniSection> Merged(const std::string& profile) const;
  // "[sso-session NAME]" of the config file.
  const IniSection* SsoSession(const std::string& name) const;
};

// A value of a section; empty when absent.
std::string Value(const IniSection& section, const std::string& key);

}  // namespace billpipe::aws
