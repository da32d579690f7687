#include "cur/column_names.h"

#include <unordered_map>

#include <fmt/format.h>

namespace billpipe::cur {
namespace {

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || IsUpper(c); }

}  // namespace

bool SameColumn(std::string_view a, std::string_view b) {
  if (a == b) return true;
  const std::string x = AthenaColumnName(a), y = AthenaColumnName(b);
  return !x.empty() && x == y && (x == a || y == b);
}

std::string AthenaColumnName(std::string_view header) {
  // Steps 1-4 in one pass: every separator (an added or a replaced underscore) is written at most once.
  std::string name;
  name.reserve(header.size() + 8);
  auto separator = [&name] {
    if (!name.empty() && name.back() != '_') name += '_';
  };
  for (char c : header) {
    if (IsUpper(c)) {
      separator();
      name += static_cast<char>(c - 'A' + 'a');
    } else if (IsAlnum(c)) {
      name += c;
    } else {
      separator();  // '_' itself included: runs of underscores become one
    }
  }
  // Step 5: the loop never writes a leading underscore; drop a trailing one.
  if (!name.empty() && name.back() == '_') name.pop_back();
  // Step 6: too long -> remove underscores from the left until it fits.
  if (name.size() > kMaxColumnNameLength) {
    size_t excess = name.size() - kMaxColumnNameLength;
    std::string shorter;
    shorter.reserve(name.size());
    for (char c : name) {
      if (c == '_' && excess > 0) {
        --excess;
        continue;
      }
      shorter += c;
    }
    name = std::move(shorter);
    // Only possible with more than 255 letters and digits: cut, as nothing else is left to remove.
    if (name.size() > kMaxColumnNameLength) name.resize(kMaxColumnNameLength);
  }
  return name;
}

ColumnNaming NameColumns(const std::vector<std::string>& headers) {
  ColumnNaming naming;
  naming.columns.reserve(headers.size());
  std::unordered_map<std::string, size_t> taken;  // name -> index of the column holding it
  // base name -> the next suffix to try for it: each suffix is tried once per base, so naming is linear
  // in the number of headers however many collide.
  std::unordered_map<std::string, int> next_suffix;
  for (size_t i = 0; i < headers.size(); ++i) {
    std::string base = AthenaColumnName(headers[i]);
    if (base.empty()) base = fmt::format("column_{}", i + 1);
    std::string name = base;
    auto first = taken.find(base);
    if (first != taken.end()) {
      int& n = next_suffix.try_emplace(base, 2).first->second;
      for (; taken.contains(name); ++n) {
        std::string suffix = fmt::format("_{}", n);
        name = base.substr(0, kMaxColumnNameLength - suffix.size()) + suffix;
      }
      naming.collisions.push_back({headers[i], naming.columns[first->second].header, base, name});
    }
    taken.emplace(name, i);
    naming.columns.push_back({std::move(name), headers[i]});
  }
  return naming;
}

}  // namespace billpipe::cur
