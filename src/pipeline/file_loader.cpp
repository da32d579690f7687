#include "pipeline/file_loader.h"

#include <fmt/format.h>

#include "codec/decoder.h"
#include "csv/csv_scanner.h"
#include "table/column_batch.h"
#include "table/decimal.h"

namespace billpipe::pipeline {
namespace {

// Counts the compressed bytes read, for progress.
class CountingSource final : public ByteSource {
 public:
  CountingSource(std::unique_ptr<ByteSource> inner, ProgressCounters* progress)
      : inner_(std::move(inner)), progress_(progress) {}
  Result<size_t> Read(std::span<char> out) override {
    BP_ASSIGN_OR_RETURN(size_t n, inner_->Read(out));
    if (progress_) progress_->compressed_read += static_cast<int64_t>(n);
    return n;
  }
  std::string Describe() const override { return inner_->Describe(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  ProgressCounters* progress_;
};

Error RowProblem(const std::string& source, int64_t line, int64_t offset, size_t column, const std::string& header,
                 std::string detail) {
  csv::RowError e;
  e.kind = csv::RowErrorKind::kBadValue;
  e.source = source;
  e.line = line;
  e.offset = offset;
  e.column = static_cast<int>(column) + 1;
  e.column_name = header;
  e.detail = std::move(detail);
  return e.ToError();
}

}  // namespace

void FileStats::Add(const FileStats& o) {
  read += o.read;
  loaded += o.loaded;
  filtered += o.filtered;
  rejected += o.rejected;
  saw_invoice |= o.saw_invoice;
  unblended_cost = AddDecimalText(unblended_cost, o.unblended_cost);
}

std::string AddDecimalText(std::string_view a, std::string_view b) {
  auto x = table::Decimal::Parse(a.empty() ? "0" : a), y = table::Decimal::Parse(b.empty() ? "0" : b);
  if (!x || !y) return "NaN";
  auto sum = table::Decimal::Add(*x, *y);
  return sum ? sum->ToString() : "NaN";
}

Status LoadFile(const FileTask& task, const PeriodShape& shape, s3::ObjectStore& store, BadRowPolicy bad_rows,
                BoundedQueue<OwnedBatch>* out, const std::atomic<bool>& cancel, ProgressCounters* progress,
                FileStats& stats) {
  const std::string where = fmt::format("s3://{}/{}", task.bucket, task.key);
  BP_ASSIGN_OR_RETURN(auto raw, store.Open(task.bucket, task.key));
  BP_ASSIGN_OR_RETURN(auto compression, codec::CompressionFromName(shape.compression));
  codec::DecoderOptions decoder_options;
  decoder_options.read_ahead = true;  // decompression and parsing of one file on two cores
  auto decoded = codec::OpenDecoder(std::make_unique<CountingSource>(std::move(raw), progress), compression,
                                    decoder_options);
  csv::CsvOptions options;
  options.policy = bad_rows == BadRowPolicy::kSkip ? csv::RowErrorPolicy::kSkip : csv::RowErrorPolicy::kFail;
  BP_ASSIGN_OR_RETURN(auto scanner, csv::CsvScanner::Open(std::move(decoded), options));
  const std::vector<std::string> header = scanner->header();
  if (header.empty()) return Ok();  // AWS writes empty trailing files
  const std::string source = scanner->source_name();

  // Every CSV column, typed as the manifest says, goes to its dataset column.
  auto names = std::make_shared<std::vector<std::string>>();
  std::vector<table::ColumnSchema> schema;
  int invoice_col = -1, start_col = -1, cost_col = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    auto it = shape.by_header.find(header[i]);
    if (it == shape.by_header.end()) {
      return Fail(ErrorCode::kBadData,
                  fmt::format("{}: column {} '{}' of the file is not in the period's manifest. The report is "
                              "inconsistent; if AWS is rewriting it, run again later.",
                              where, i + 1, header[i]));
    }
    BP_ASSIGN_OR_RETURN(auto type, table::ColumnTypeFromName(it->second.type));
    if (header[i] == "bill/InvoiceId") invoice_col = static_cast<int>(i);
    if (header[i] == "lineItem/UsageStartDate") start_col = static_cast<int>(i);
    if (header[i] == "lineItem/UnblendedCost") cost_col = static_cast<int>(i);
    if (header[i] == "lineItem/UsageStartDate") type = table::ColumnType::kDateTime;  // the window needs it
    names->push_back(it->second.name);
    schema.push_back(table::ColumnSchema{header[i], type});
  }
  if (start_col < 0) {
    return Fail(ErrorCode::kBadData, fmt::format("{} has no lineItem/UsageStartDate column, so the date window "
                                                 "cannot be applied. Is this a Cost and Usage Report?", where));
  }
  BP_ASSIGN_OR_RETURN(auto reader, table::ColumnBatchReader::Create(std::move(scanner), schema));

  const int64_t begin_us = shape.share.BeginMillis() * 1000, end_us = shape.share.EndMillis() * 1000;
  table::Decimal cost;
  table::ColumnBatch batch;
  std::vector<uint8_t> keep;
  std::string text;  // a decimal's text
  auto owned = std::make_unique<OwnedBatch>(names->size());
  auto flush = [&]() -> Status {
    if (owned->rows() == 0) return Ok();
    if (out != nullptr) {
      owned->segment = task.segment;
      owned->column_names = names;
      if (!out->Push(std::move(*owned))) return Fail(ErrorCode::kCancelled, "the run was stopped");
    }
    owned = std::make_unique<OwnedBatch>(names->size());
    return Ok();
  };
  while (true) {
    if (cancel) return Fail(ErrorCode::kCancelled, "the run was stopped");
    BP_ASSIGN_OR_RETURN(bool more, reader->NextBatch(batch));
    if (!more) break;
    stats.rejected += static_cast<int64_t>(batch.rejected().size());
    const size_t rows = batch.num_rows();
    stats.read += static_cast<int64_t>(rows);
    if (progress) progress->line_items += static_cast<int64_t>(rows);

    // Filter and window, column-wise.
    const table::Column& start = batch.column(static_cast<size_t>(start_col));
    keep.assign(rows, 1);
    for (size_t r = 0; r < rows; ++r) {
      if (start.is_null(r)) {
        Error e = RowProblem(source, batch.line(r), batch.offset(r), static_cast<size_t>(start_col),
                             header[static_cast<size_t>(start_col)], "a line item without a usage start date");
        if (bad_rows == BadRowPolicy::kFail) return Fail(std::move(e));
        ++stats.rejected;
        keep[r] = 0;
        continue;
      }
      bool invoiced = false;
      if (invoice_col >= 0) {
        const table::Column& inv = batch.column(static_cast<size_t>(invoice_col));
        std::string_view v = inv.is_null(r) ? std::string_view() : inv.text[r];
        invoiced = !v.empty() && v != "Estimated";
      }
      stats.saw_invoice |= invoiced;
      int64_t t = start.micros[r];
      bool in = t >= begin_us && t < end_us &&
                (shape.filter == Filter::kAll || (shape.filter == Filter::kInvoiced) == invoiced);
      if (!in) {
        keep[r] = 0;
        ++stats.filtered;
      }
    }

    // Cost of the kept lines, exactly.
    if (cost_col >= 0) {
      const table::Column& c = batch.column(static_cast<size_t>(cost_col));
      bool typed = !c.decimal.empty();
      for (size_t r = 0; r < rows; ++r) {
        if (!keep[r] || c.is_null(r)) continue;
        table::Decimal v;
        if (typed) {
          v = c.decimal[r];
        } else if (!c.text[r].empty() && !table::Decimal::TryParse(c.text[r], &v)) {
          return Fail(RowProblem(source, batch.line(r), batch.offset(r), static_cast<size_t>(cost_col),
                                 header[static_cast<size_t>(cost_col)], "not a decimal number"));
        }
        BP_ASSIGN_OR_RETURN(cost, table::Decimal::Add(cost, v));
      }
    }

    // The kept rows, owned, for the writer.
    for (size_t r = 0; r < rows; ++r) {
      if (!keep[r]) continue;
      ++stats.loaded;
      if (out == nullptr) continue;
      for (size_t c = 0; c < batch.num_columns(); ++c) {
        const table::Column& col = batch.column(c);
        if (col.is_null(r)) {
          owned->AddNull();
          continue;
        }
        switch (col.type) {
          case table::ColumnType::kDateTime: owned->AddTimestamp(col.micros[r] / 1000); break;
          case table::ColumnType::kBigDecimal:
          case table::ColumnType::kOptionalBigDecimal:
            text = col.decimal[r].ToString();
            owned->AddDecimal(text);
            break;
          default: owned->AddText(col.text[r]); break;
        }
      }
      if (owned->rows() >= kBatchRows) BP_RETURN_IF_ERROR(flush());
    }
  }
  BP_RETURN_IF_ERROR(flush());
  stats.unblended_cost = cost.ToString();
  return Ok();
}

}  // namespace billpipe::pipeline
