#include "sink/sink.h"

#include <fmt/format.h>

namespace billpipe::sink {

std::string_view ColumnKindName(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kText: return "text";
    case ColumnKind::kTimestamp: return "timestamp";
    case ColumnKind::kDecimal: return "decimal";
  }
  return "text";
}

ColumnKind ColumnKindFromName(std::string_view name) {
  if (name == "decimal") return ColumnKind::kDecimal;
  if (name == "timestamp") return ColumnKind::kTimestamp;
  return ColumnKind::kText;
}

Result<Filter> ParseFilter(std::string_view text) {
  if (text == "all") return Filter::kAll;
  if (text == "invoiced") return Filter::kInvoiced;
  if (text == "estimated") return Filter::kEstimated;
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("Unknown filter '{}'. Choose one of: all, invoiced, estimated.", text));
}

std::string_view FilterName(Filter filter) {
  switch (filter) {
    case Filter::kAll: return "all";
    case Filter::kInvoiced: return "invoiced";
    case Filter::kEstimated: return "estimated";
  }
  return "all";
}

Result<Finality> ParseFinality(std::string_view text) {
  if (text == "estimated") return Finality::kEstimated;
  if (text == "final") return Finality::kFinal;
  if (text == "restated") return Finality::kRestated;
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("Unknown finality '{}'. Choose one of: estimated, final, restated.", text));
}

std::string_view FinalityName(Finality finality) {
  switch (finality) {
    case Finality::kEstimated: return "estimated";
    case Finality::kFinal: return "final";
    case Finality::kRestated: return "restated";
  }
  return "estimated";
}

std::string_view RollupDimensionName(RollupDimension dimension) {
  switch (dimension) {
    case RollupDimension::kAccount: return "account";
    case RollupDimension::kService: return "service";
    case RollupDimension::kRegion: return "region";
    case RollupDimension::kUsageType: return "usage_type";
    case RollupDimension::kLineItemType: return "line_item_type";
  }
  return "service";
}

std::optional<RollupDimension> ParseRollupDimension(std::string_view name) {
  for (size_t i = 0; i < kRollupDimensions; ++i) {
    auto d = static_cast<RollupDimension>(i);
    if (RollupDimensionName(d) == name) return d;
  }
  return std::nullopt;
}

std::string FoldDatasetName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void RowBatch::NonNull(size_t row, std::vector<std::pair<uint32_t, Cell>>& out) const {
  out.clear();
  for (size_t c = 0; c < columns(); ++c) {
    Cell cell = Get(row, c);
    if (cell.kind != Cell::Kind::kNull) out.emplace_back(static_cast<uint32_t>(c), cell);
  }
}

void RowBatch::ColumnContents(std::vector<uint8_t>& out) const {
  out.assign(columns(), 0);
  std::vector<uint8_t> seen;
  std::vector<std::pair<uint32_t, Cell>> cells;
  for (size_t r = 0; r < rows(); ++r) {
    NonNull(r, cells);
    seen.assign(columns(), 0);
    for (const auto& [c, cell] : cells) {
      seen[c] = 1;
      bool empty = cell.kind == Cell::Kind::kText && cell.text.empty();
      out[c] |= empty ? kHasEmpty : kHasValue;
    }
    for (size_t c = 0; c < columns(); ++c) {
      if (!seen[c]) out[c] |= kHasNull;
    }
  }
}

Status ValidateDatasetName(std::string_view name) {
  constexpr size_t kMaxLength = 63;  // PostgreSQL's identifier limit
  auto rule = "A dataset name has letters, digits and underscores, starts with a letter, and has at most 63 characters.";
  if (name.empty()) return Fail(ErrorCode::kInvalidArgument, fmt::format("The dataset name is empty. {}", rule));
  if (name.size() > kMaxLength) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("The dataset name '{}' is {} characters long. {}", name,
                                                         name.size(), rule));
  }
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(name[0])) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The dataset name '{}' starts with '{}'. {}", name, name[0], rule));
  }
  for (char c : name) {
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '_') {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The dataset name '{}' has the character '{}'. {}", name, c, rule));
    }
  }
  if (name.find("__") != std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The dataset name '{}' has two underscores in a row, which billpipe reserves "
                            "for its own tables. {}", name, rule));
  }
  return Ok();
}

}  // namespace billpipe::sink
