#include "table/batch_source.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "csv/csv_scanner.h"

namespace billpipe::table {
namespace {

// CSV through ColumnBatchReader, which converts the scanner's field views to typed columns.
class CsvBatchSource final : public BatchSource {
 public:
  CsvBatchSource(std::string name, std::unique_ptr<ColumnBatchReader> reader)
      : name_(std::move(name)), reader_(std::move(reader)) {}
  const std::vector<ColumnSchema>& schema() const override { return reader_ ? reader_->schema() : empty_; }
  Result<bool> NextBatch(ColumnBatch& batch) override {
    if (!reader_) {
      batch.Start(&empty_, 0);
      return false;
    }
    return reader_->NextBatch(batch);
  }
  std::string Describe() const override { return name_; }

 private:
  std::string name_;
  std::unique_ptr<ColumnBatchReader> reader_;  // null: an empty file
  std::vector<ColumnSchema> empty_;
};

}  // namespace

std::string_view DataFormatName(DataFormat format) {
  switch (format) {
    case DataFormat::kCsv: return "CSV";
    case DataFormat::kParquet: return "Parquet";
  }
  return "CSV";
}

size_t MaxFileColumns(size_t expected) { return std::min(expected + kExtraFileColumns, kMaxFileColumns); }

Result<std::unique_ptr<BatchSource>> OpenCsvBatchSource(std::unique_ptr<ByteSource> stream,
                                                         const BatchSourceOptions& options) {
  csv::CsvOptions csv_options;
  csv_options.policy = options.policy;
  csv_options.max_header_fields = MaxFileColumns(options.expected.size());
  BP_ASSIGN_OR_RETURN(auto scanner, csv::CsvScanner::Open(std::move(stream), csv_options));
  std::string name = scanner->source_name();
  const std::vector<std::string> header = scanner->header();
  if (header.empty()) return std::unique_ptr<BatchSource>(new CsvBatchSource(std::move(name), nullptr));
  std::unordered_map<std::string_view, ColumnType> type_of;
  for (const auto& c : options.expected) type_of.emplace(c.name, c.type);
  std::vector<ColumnSchema> schema;
  schema.reserve(header.size());
  for (size_t i = 0; i < header.size(); ++i) {
    auto it = type_of.find(header[i]);
    if (it == type_of.end()) {
      return Fail(ErrorCode::kBadData,
                  fmt::format("{}: column {} '{}' of the file is not in the period's manifest. The report is "
                              "inconsistent; if AWS is rewriting it, run again later.",
                              options.where, i + 1, header[i]));
    }
    schema.push_back(ColumnSchema{header[i], it->second});
  }
  BP_ASSIGN_OR_RETURN(auto reader, ColumnBatchReader::Create(std::move(scanner), std::move(schema)));
  return std::unique_ptr<BatchSource>(new CsvBatchSource(std::move(name), std::move(reader)));
}

}  // namespace billpipe::table
