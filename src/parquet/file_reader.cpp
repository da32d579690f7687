#include "parquet/file_reader.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace billpipe::parquet {
namespace {

constexpr std::string_view kMagic = "PAR1";
constexpr std::string_view kEncryptedMagic = "PARE";
constexpr uint64_t kMinFileSize = 12;  // "PAR1" + footer length + "PAR1" (an empty footer is not valid, but
                                       // anything shorter is not Parquet at all)

// Appends `text` to out as the inside of a JSON string.
void AppendJsonString(std::string_view text, std::string& out) {
  out.push_back('"');
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

}  // namespace

Result<std::unique_ptr<FileReader>> FileReader::Open(std::unique_ptr<RandomAccessSource> source,
                                                     const ReaderOptions& options) {
  std::unique_ptr<FileReader> reader(new FileReader(std::move(source), options));
  BP_RETURN_IF_ERROR(reader->ReadFooter());
  return reader;
}

Status FileReader::ReadFooter() {
  const std::string name = source_->Describe();
  const uint64_t size = source_->Size();
  if (size < kMinFileSize) {
    return Fail(ErrorCode::kBadData, fmt::format("{} is not a Parquet file: it has {} bytes, fewer than the {} of the "
                                                 "smallest Parquet file",
                                                 name, size, kMinFileSize));
  }
  const uint64_t tail_size = std::min<uint64_t>(size, std::max<uint32_t>(options_.tail_read_bytes, 8));
  std::string tail(static_cast<size_t>(tail_size), '\0');
  BP_RETURN_IF_ERROR(ReadExactlyAt(*source_, size - tail_size, tail, "the Parquet footer"));
  const std::string_view end = std::string_view(tail).substr(tail.size() - 4);
  if (end == kEncryptedMagic) {
    return Fail(ErrorCode::kUnsupported, fmt::format("{} is an encrypted Parquet file; billpipe reads only "
                                                     "unencrypted Parquet",
                                                     name));
  }
  if (end != kMagic) {
    return Fail(ErrorCode::kBadData, fmt::format("{} is not a Parquet file: it does not end with \"PAR1\"", name));
  }
  uint32_t footer_len;
  std::memcpy(&footer_len, tail.data() + tail.size() - 8, 4);
  if (footer_len > size - kMinFileSize) {
    return Fail(ErrorCode::kBadData, fmt::format("{} is corrupt: its footer length {} points outside the file, which "
                                                 "has {} bytes",
                                                 name, footer_len, size));
  }
  if (footer_len > options_.max_footer_bytes) {
    return Fail(ErrorCode::kUnsupported, fmt::format("{} has a footer of {} bytes, above billpipe's bound of {}",
                                                     name, footer_len, options_.max_footer_bytes));
  }
  data_end_ = size - 8 - footer_len;
  std::string footer;
  if (footer_len + 8 <= tail_size) {
    footer = tail.substr(tail.size() - 8 - footer_len, footer_len);
  } else {
    footer.resize(footer_len);
    BP_RETURN_IF_ERROR(ReadExactlyAt(*source_, data_end_, footer, "the Parquet footer"));
  }
  // The leading magic: in the tail already for small files, one 4-byte read otherwise.
  char head[4];
  if (tail_size == size) {
    std::memcpy(head, tail.data(), 4);
  } else {
    BP_RETURN_IF_ERROR(ReadExactlyAt(*source_, 0, head, "the Parquet header"));
  }
  if (std::string_view(head, 4) != kMagic) {
    return Fail(ErrorCode::kBadData, fmt::format("{} is not a Parquet file: it does not start with \"PAR1\"", name));
  }
  auto parsed = ParseFileMetaData(reinterpret_cast<const uint8_t*>(footer.data()), footer.size());
  if (!parsed) return Fail(parsed.error().Context(name));
  metadata_ = std::move(*parsed);
  if (metadata_.encrypted) {
    return Fail(ErrorCode::kUnsupported,
                fmt::format("{} has encrypted columns; billpipe reads only unencrypted Parquet", name));
  }
  auto schema = BuildSchema(metadata_.schema);
  if (!schema) return Fail(schema.error().Context(name));
  schema_ = std::move(*schema);
  if (metadata_.num_rows < 0) {
    return Fail(ErrorCode::kBadData, fmt::format("{} claims {} rows", name, metadata_.num_rows));
  }
  int64_t total = 0;
  for (size_t g = 0; g < metadata_.row_groups.size(); ++g) {
    const RowGroup& rg = metadata_.row_groups[g];
    if (rg.num_rows < 0 || __builtin_add_overflow(total, rg.num_rows, &total)) {
      return Fail(ErrorCode::kBadData, fmt::format("{}: row group {} claims {} rows", name, g, rg.num_rows));
    }
    if (rg.columns.size() != schema_.leaves.size()) {
      return Fail(ErrorCode::kBadData, fmt::format("{}: row group {} has {} column chunks, but the schema has {} "
                                                   "columns",
                                                   name, g, rg.columns.size(), schema_.leaves.size()));
    }
  }
  if (total != metadata_.num_rows) {
    return Fail(ErrorCode::kBadData, fmt::format("{}: the row groups hold {} rows, but the footer claims {}", name,
                                                 total, metadata_.num_rows));
  }
  return Ok();
}

std::optional<size_t> FileReader::FindField(std::string_view name) const {
  for (size_t i = 0; i < schema_.fields.size(); ++i) {
    if (schema_.fields[i].name == name) return i;
  }
  return std::nullopt;
}

Error FileReader::InColumn(Error error, const Field& field) const {
  error.Context(fmt::format("{}: column {}", source_->Describe(), field.name));
  if (error.column.empty()) error.column = field.name;
  return error;
}

Status FileReader::Select(std::vector<size_t> fields) {
  for (size_t f : fields) {
    if (f >= schema_.fields.size()) return Fail(ErrorCode::kInternal, "a selected field is out of range");
    const Field& field = schema_.fields[f];
    if (!field.unsupported.empty()) {
      Error e(ErrorCode::kUnsupported, fmt::format("{}: column {}: billpipe cannot read {}", source_->Describe(),
                                                   field.name, field.unsupported));
      e.column = field.name;
      return Fail(std::move(e));
    }
  }
  selected_ = std::move(fields);
  next_group_ = 0;
  in_group_ = false;
  leaf_readers_.clear();
  buffers_.clear();
  return Ok();
}

Status FileReader::LoadRowGroup(size_t group) {
  const RowGroup& rg = metadata_.row_groups[group];
  const std::string name = source_->Describe();
  struct Range {
    uint64_t begin, end;
    size_t leaf;
  };
  std::vector<Range> ranges;
  for (size_t f : selected_) {
    const Field& field = schema_.fields[f];
    for (size_t leaf : field.leaves) {
      const ColumnChunk& chunk = rg.columns[leaf];
      auto bad = [&](ErrorCode code, std::string what) {
        return InColumn(Error(code, fmt::format("row group {}: {}", group, what)), field);
      };
      if (!chunk.file_path.empty()) {
        return Fail(bad(ErrorCode::kUnsupported, "column chunks in other files are not supported"));
      }
      if (chunk.encrypted) return Fail(bad(ErrorCode::kUnsupported, "encrypted column chunks are not supported"));
      if (!chunk.has_meta_data) return Fail(bad(ErrorCode::kBadData, "the column chunk has no metadata"));
      const ColumnMetaData& m = chunk.meta;
      if (m.type != *schema_.leaves[leaf].element.type) {
        return Fail(bad(ErrorCode::kBadData, fmt::format("the column chunk's type {} differs from the schema's {}",
                                                         PhysicalTypeName(m.type),
                                                         PhysicalTypeName(*schema_.leaves[leaf].element.type))));
      }
      int64_t begin = m.data_page_offset;
      if (m.dictionary_page_offset && *m.dictionary_page_offset > 0 && *m.dictionary_page_offset < begin) {
        begin = *m.dictionary_page_offset;
      }
      if (begin < 4 || m.total_compressed_size < 0 || m.num_values < 0 ||
          static_cast<uint64_t>(begin) > data_end_ ||
          static_cast<uint64_t>(m.total_compressed_size) > data_end_ - static_cast<uint64_t>(begin)) {
        return Fail(bad(ErrorCode::kBadData,
                        fmt::format("the column chunk (bytes {} to {}) lies outside the file's data, which ends at "
                                    "byte {}",
                                    begin, begin + m.total_compressed_size, data_end_)));
      }
      ranges.push_back({static_cast<uint64_t>(begin), static_cast<uint64_t>(begin + m.total_compressed_size), leaf});
    }
  }
  uint64_t needed = 0;
  for (const Range& r : ranges) needed += r.end - r.begin;
  if (needed > options_.max_row_group_bytes) {
    return Fail(ErrorCode::kUnsupported,
                fmt::format("{}: row group {} needs {} bytes of compressed column chunks for the {} columns read, above "
                            "billpipe's bound of {} bytes per row group; the file was written with row groups too "
                            "large to read in bounded memory",
                            name, group, needed, selected_.size(), options_.max_row_group_bytes));
  }
  // Fetch: ranges in file order, neighbours within coalesce_gap_bytes in one read (while within the bound).
  std::vector<size_t> order(ranges.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ranges[a].begin < ranges[b].begin; });
  buffers_.clear();
  buffers_.reserve(ranges.size());
  struct Placement {
    size_t buffer;
    uint64_t offset;
  };
  std::vector<Placement> placement(ranges.size());
  uint64_t fetched = 0;
  for (size_t i = 0; i < order.size();) {
    uint64_t begin = ranges[order[i]].begin, end = ranges[order[i]].end;
    size_t j = i + 1;
    while (j < order.size()) {
      const Range& next = ranges[order[j]];
      const uint64_t new_end = std::max(end, next.end);
      if (next.begin > end + options_.coalesce_gap_bytes ||
          fetched + (new_end - begin) > options_.max_row_group_bytes + options_.coalesce_gap_bytes) {
        break;
      }
      end = new_end;
      ++j;
    }
    std::string buffer(static_cast<size_t>(end - begin), '\0');
    BP_RETURN_IF_ERROR(ReadExactlyAt(*source_, begin, buffer, fmt::format("row group {}'s column chunks", group)));
    fetched += end - begin;
    for (size_t k = i; k < j; ++k) placement[order[k]] = {buffers_.size(), ranges[order[k]].begin - begin};
    buffers_.push_back(std::move(buffer));
    i = j;
  }
  leaf_readers_.clear();
  leaf_readers_.resize(schema_.leaves.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    const Range& r = ranges[i];
    std::string_view chunk = std::string_view(buffers_[placement[i].buffer])
                                 .substr(static_cast<size_t>(placement[i].offset), static_cast<size_t>(r.end - r.begin));
    leaf_readers_[r.leaf] = std::make_unique<ColumnChunkReader>(schema_.leaves[r.leaf], rg.columns[r.leaf].meta, chunk,
                                                                options_.pages);
  }
  group_rows_ = group_rows_left_ = rg.num_rows;
  return Ok();
}

Status FileReader::FinishRowGroup() {
  const size_t group = next_group_ - 1;
  for (size_t f : selected_) {
    const Field& field = schema_.fields[f];
    for (size_t leaf : field.leaves) {
      auto more = leaf_readers_[leaf]->HasLevel();
      if (!more) return Fail(InColumn(Error(more.error()).Context(fmt::format("row group {}", group)), field));
      if (*more) {
        return Fail(InColumn(Error(ErrorCode::kBadData, fmt::format("row group {}: the column holds more than the row "
                                                                    "group's {} rows",
                                                                    group, group_rows_)),
                             field));
      }
    }
  }
  leaf_readers_.clear();
  buffers_.clear();
  return Ok();
}

Result<bool> FileReader::NextBatch(size_t max_rows, std::vector<ColumnValues>& columns) {
  columns.resize(selected_.size());
  for (size_t i = 0; i < selected_.size(); ++i) {
    columns[i].Clear();
    columns[i].kind = schema_.fields[selected_[i]].kind;
  }
  if (max_rows == 0) return Fail(ErrorCode::kInternal, "NextBatch asked for 0 rows");
  while (!in_group_ || group_rows_left_ == 0) {
    if (in_group_) {
      BP_RETURN_IF_ERROR(FinishRowGroup());
      in_group_ = false;
    }
    if (next_group_ >= metadata_.row_groups.size()) return false;
    BP_RETURN_IF_ERROR(LoadRowGroup(next_group_));
    ++next_group_;
    in_group_ = true;
  }
  const auto n = static_cast<size_t>(std::min<int64_t>(group_rows_left_, static_cast<int64_t>(max_rows)));
  for (size_t i = 0; i < selected_.size(); ++i) {
    const Field& field = schema_.fields[selected_[i]];
    Status s = field.kind == ValueKind::kMapJson ? ReadMapRows(field, n, columns[i]) : ReadRows(selected_[i], n, columns[i]);
    if (!s) return Fail(InColumn(Error(s.error()).Context(fmt::format("row group {}", next_group_ - 1)), field));
  }
  group_rows_left_ -= static_cast<int64_t>(n);
  return true;
}

Status FileReader::ReadRows(size_t field_index, size_t n, ColumnValues& out) {
  ColumnChunkReader& leaf = *leaf_readers_[schema_.fields[field_index].leaves[0]];
  size_t done = 0;
  BP_RETURN_IF_ERROR(leaf.ReadFlat(n, out, &done));
  if (done < n) {
    return Fail(ErrorCode::kBadData, fmt::format("the column ends after {} of the {} rows the footer claims",
                                                 group_rows_ - group_rows_left_ + static_cast<int64_t>(done),
                                                 group_rows_));
  }
  return Ok();
}

Status FileReader::ReadMapRows(const Field& field, size_t n, ColumnValues& out) {
  ColumnChunkReader& keys = *leaf_readers_[field.leaves[0]];
  ColumnChunkReader& values = *leaf_readers_[field.leaves[1]];
  for (size_t r = 0; r < n; ++r) {
    BP_ASSIGN_OR_RETURN(bool more_keys, keys.HasLevel());
    BP_ASSIGN_OR_RETURN(bool more_values, values.HasLevel());
    if (!more_keys || !more_values) {
      return Fail(ErrorCode::kBadData, fmt::format("the map column ends after {} of the {} rows the footer claims",
                                                   group_rows_ - group_rows_left_ + static_cast<int64_t>(r),
                                                   group_rows_));
    }
    if (keys.rep() != 0) return Fail(ErrorCode::kBadData, "a map row starts with a repeated entry");
    if (keys.def() < field.map_def) {
      out.AppendNull();
      keys.Advance();
      values.Advance();
      continue;
    }
    json_.assign("{");
    if (keys.def() < field.entry_def) {
      keys.Advance();
      values.Advance();
    } else {
      bool first = true;
      while (true) {
        if (keys.def() < field.entry_def || values.def() < field.entry_def || keys.rep() != values.rep()) {
          return Fail(ErrorCode::kBadData, "a map's keys and values do not line up");
        }
        if (!first) json_.push_back(',');
        first = false;
        AppendJsonString(keys.CurrentText(), json_);
        json_.push_back(':');
        if (values.has_value()) {
          AppendJsonString(values.CurrentText(), json_);
        } else {
          json_ += "null";
        }
        keys.Advance();
        values.Advance();
        BP_ASSIGN_OR_RETURN(bool k, keys.HasLevel());
        BP_ASSIGN_OR_RETURN(bool v, values.HasLevel());
        if (k != v) return Fail(ErrorCode::kBadData, "a map's keys and values do not line up");
        if (!k || keys.rep() == 0) break;
      }
    }
    json_.push_back('}');
    out.AppendText(json_);
  }
  return Ok();
}

}  // namespace billpipe::parquet
