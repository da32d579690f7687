#include "aws/shared_config.h"

#include <fstream>

namespace billpipe::aws {
namespace {

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

const IniSection* Find(const std::optional<IniFile>& file, const std::string& section) {
  if (!file) return nullptr;
  auto it = file->find(section);
  return it == file->end() ? nullptr : &it->second;
}

}  // namespace

std::optional<IniFile> ReadIniFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  IniFile out;
  std::string line, section;
  bool in_section = false;
  while (std::getline(in, line)) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) continue;  // nested property
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      section = Trim(t.substr(1, t.size() - 2));
      in_section = true;
      out[section];
      continue;
    }
    size_t eq = t.find('=');
    if (!in_section || eq == std::string::npos) continue;
    out[section][Trim(t.substr(0, eq))] = Trim(t.substr(eq + 1));
  }
  return out;
}

SharedConfig SharedConfig::Load(const EnvLookup& env) {
  std::string home = env("HOME").value_or("");
  SharedConfig c;
  c.credentials_path = env("AWS_SHARED_CREDENTIALS_FILE").value_or(home + "/.aws/credentials");
  c.config_path = env("AWS_CONFIG_FILE").value_or(home + "/.aws/config");
  c.credentials = ReadIniFile(c.credentials_path);
  c.config = ReadIniFile(c.config_path);
  return c;
}

const IniSection* SharedConfig::InCredentials(const std::string& profile) const { return Find(credentials, profile); }

const IniSection* SharedConfig::InConfig(const std::string& profile) const {
  const IniSection* s = Find(config, profile == "default" ? profile : "profile " + profile);
  if (s == nullptr) s = Find(config, profile);  // some tools write [name] in config too
  return s;
}

std::optional<IniSection> SharedConfig::Merged(const std::string& profile) const {
  const IniSection* a = InConfig(profile);
  const IniSection* b = InCredentials(profile);
  if (a == nullptr && b == nullptr) return std::nullopt;
  IniSection out;
  if (a != nullptr) out = *a;
  if (b != nullptr)
    for (const auto& [k, v] : *b) out[k] = v;
  return out;
}

const IniSection* SharedConfig::SsoSession(const std::string& name) const { return Find(config, "sso-session " + name); }

std::string Value(const IniSection& section, const std::string& key) {
  auto it = section.find(key);
  return it == section.end() ? "" : it->second;
}

}  // namespace billpipe::aws
