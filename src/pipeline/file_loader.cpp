#include "pipeline/file_loader.h"

#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

#include "codec/decoder.h"
#include "csv/csv_scanner.h"

namespace billpipe::pipeline {
namespace {

// Exact decimals for sums: an integer count of 10^-18 units. CUR writes at most 10 decimal places.
constexpr int kScale = 18;
__extension__ typedef __int128 Fixed;  // GCC's 128-bit integer
__extension__ typedef unsigned __int128 UnsignedFixed;

std::optional<Fixed> ParseFixed(std::string_view s) {
  bool neg = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  Fixed v = 0;
  int frac = -1, digits = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.' && frac < 0) {
      frac = 0;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (frac >= 0 && ++frac > kScale) return std::nullopt;
    if (++digits > 38 - kScale + 18) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (digits == 0) return std::nullopt;
  for (int f = frac < 0 ? 0 : frac; f < kScale; ++f) v *= 10;
  return neg ? -v : v;
}

std::string FormatFixed(Fixed v) {
  bool neg = v < 0;
  UnsignedFixed u = neg ? static_cast<UnsignedFixed>(-v) : static_cast<UnsignedFixed>(v);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  } while (u);
  while (digits.size() <= static_cast<size_t>(kScale)) digits.insert(digits.begin(), '0');
  std::string out = digits.substr(0, digits.size() - kScale);
  std::string frac = digits.substr(digits.size() - kScale);
  while (frac.size() > 10 && frac.back() == '0') frac.pop_back();  // at least CUR's 10 places
  out += "." + frac;
  return neg ? "-" + out : out;
}

// "2019-12-01T00:00:00Z", with optional ".mmm" milliseconds; also without seconds ("...T00:00Z").
std::optional<int64_t> ParseTimestampMillis(std::string_view s) {
  auto num = [&](size_t at, size_t len) -> int {
    int v = 0;
    if (at + len > s.size()) return -1;
    for (size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 17 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s.back() != 'Z') {
    return std::nullopt;
  }
  auto date = Date::Parse(s.substr(0, 10));
  int hh = num(11, 2), mm = num(14, 2), ss = 0, ms = 0;
  if (!date || hh < 0 || hh > 23 || mm < 0 || mm > 59) return std::nullopt;
  size_t rest = 16;
  if (rest < s.size() - 1) {
    if (s[rest] != ':') return std::nullopt;
    ss = num(17, 2);
    if (ss < 0 || ss > 60) return std::nullopt;
    rest = 19;
    if (rest < s.size() - 1) {
      if (s[rest] != '.') return std::nullopt;
      size_t digits = s.size() - 1 - (rest + 1);
      if (digits == 0 || digits > 9) return std::nullopt;
      int frac = num(rest + 1, digits);
      if (frac < 0) return std::nullopt;
      for (size_t d = digits; d < 3; ++d) frac *= 10;
      for (size_t d = digits; d > 3; --d) frac /= 10;
      ms = frac;
    }
  }
  return ((date->Days() * 24 + hh) * 60 + mm) * 60000LL + ss * 1000LL + ms;
}

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

Error BadValue(const csv::RecordBatch& batch, size_t row, size_t col, const std::string& header,
               const std::string& source, std::string_view what) {
  csv::RowError e;
  e.kind = csv::RowErrorKind::kBadValue;
  e.source = source;
  e.line = batch.line(row);
  e.offset = batch.offset(row);
  e.column = static_cast<int>(col) + 1;
  e.column_name = header;
  e.detail = std::string(what);
  e.raw = std::string(batch.raw(row).substr(0, csv::RowError::kMaxRawBytes));
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
  return FormatFixed(ParseFixed(a).value_or(0) + ParseFixed(b).value_or(0));
}

Status LoadFile(const FileTask& task, const PeriodShape& shape, s3::ObjectStore& store, BadRowPolicy bad_rows,
                BoundedQueue<OwnedBatch>& out, const std::atomic<bool>& cancel, ProgressCounters* progress,
                FileStats& stats) {
  std::string where = fmt::format("s3://{}/{}", task.bucket, task.key);
  BP_ASSIGN_OR_RETURN(auto raw, store.Open(task.bucket, task.key));
  BP_ASSIGN_OR_RETURN(auto compression, codec::CompressionFromName(shape.compression));
  auto decoded = codec::OpenDecoder(std::make_unique<CountingSource>(std::move(raw), progress), compression);
  csv::CsvOptions options;
  options.policy = bad_rows == BadRowPolicy::kSkip ? csv::RowErrorPolicy::kSkip : csv::RowErrorPolicy::kFail;
  BP_ASSIGN_OR_RETURN(auto scanner, csv::CsvScanner::Open(std::move(decoded), options));
  const auto& header = scanner->header();
  if (header.empty()) return Ok();  // AWS writes empty trailing files

  // Where each CSV column goes; columns the manifest does not list are kept as text.
  auto names = std::make_shared<std::vector<std::string>>();
  std::vector<sink::ColumnKind> kinds;
  std::vector<size_t> csv_index;
  int invoice_col = -1, start_col = -1, cost_col = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "bill/InvoiceId") invoice_col = static_cast<int>(i);
    if (header[i] == "lineItem/UsageStartDate") start_col = static_cast<int>(i);
    if (header[i] == "lineItem/UnblendedCost") cost_col = static_cast<int>(i);
    auto it = shape.by_header.find(header[i]);
    if (it == shape.by_header.end()) {
      return Fail(ErrorCode::kBadData,
                  fmt::format("{}: column {} '{}' of the file is not in the period's manifest. The report is "
                              "inconsistent; if AWS is rewriting it, run again later.",
                              where, i + 1, header[i]));
    }
    names->push_back(it->second.name);
    kinds.push_back(it->second.kind);
    csv_index.push_back(i);
  }
  if (start_col < 0) {
    return Fail(ErrorCode::kBadData, fmt::format("{} has no lineItem/UsageStartDate column, so the date window "
                                                 "cannot be applied. Is this a Cost and Usage Report?", where));
  }
  const int64_t begin_ms = shape.share.BeginMillis(), end_ms = shape.share.EndMillis();
  Fixed cost = 0;

  csv::RecordBatch batch;
  auto owned = std::make_unique<OwnedBatch>(names->size());
  auto flush = [&]() -> Status {
    if (owned->rows() == 0) return Ok();
    owned->segment = task.segment;
    owned->column_names = names;
    if (!out.Push(std::move(*owned))) return Fail(ErrorCode::kCancelled, "the run was stopped");
    owned = std::make_unique<OwnedBatch>(names->size());
    return Ok();
  };
  while (true) {
    if (cancel) return Fail(ErrorCode::kCancelled, "the run was stopped");
    BP_ASSIGN_OR_RETURN(bool more, scanner->NextBatch(batch));
    if (!more) break;
    stats.rejected += static_cast<int64_t>(batch.rejected().size());
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      ++stats.read;
      std::string_view invoice = invoice_col >= 0 ? batch.field(r, static_cast<size_t>(invoice_col)) : "";
      bool invoiced = !invoice.empty() && invoice != "Estimated";
      stats.saw_invoice |= invoiced;
      auto start = ParseTimestampMillis(batch.field(r, static_cast<size_t>(start_col)));
      if (!start) {
        Error e = BadValue(batch, r, static_cast<size_t>(start_col), header[static_cast<size_t>(start_col)],
                           scanner->source_name(), "not a timestamp like 2019-12-01T00:00:00Z");
        if (bad_rows == BadRowPolicy::kFail) return Fail(std::move(e));
        ++stats.rejected;
        continue;
      }
      bool keep = *start >= begin_ms && *start < end_ms &&
                  (shape.filter == Filter::kAll || (shape.filter == Filter::kInvoiced) == invoiced);
      if (!keep) {
        ++stats.filtered;
        continue;
      }
      size_t added = 0;
      std::optional<Error> bad;
      Fixed row_cost = 0;
      if (cost_col >= 0) {
        std::string_view v = batch.field(r, static_cast<size_t>(cost_col));
        auto fixed = v.empty() ? std::optional<Fixed>(0) : ParseFixed(v);
        if (!fixed) {
          bad = BadValue(batch, r, static_cast<size_t>(cost_col), header[static_cast<size_t>(cost_col)],
                         scanner->source_name(), "not a decimal number");
        } else {
          row_cost = *fixed;
        }
      }
      for (size_t c = 0; c < csv_index.size() && !bad; ++c) {
        std::string_view v = batch.field(r, csv_index[c]);
        ++added;
        if (v.empty()) {
          owned->AddNull();
          continue;
        }
        switch (kinds[c]) {
          case sink::ColumnKind::kText: owned->AddText(v); break;
          case sink::ColumnKind::kTimestamp: {
            auto ms = ParseTimestampMillis(v);
            if (!ms) {
              bad = BadValue(batch, r, csv_index[c], header[csv_index[c]], scanner->source_name(),
                             "not a timestamp like 2019-12-01T00:00:00Z");
            } else {
              owned->AddTimestamp(*ms);
            }
            break;
          }
          case sink::ColumnKind::kDecimal: {
            auto fixed = ParseFixed(v);
            double d = 0;
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
            if (!fixed || ec != std::errc() || p != v.data() + v.size()) {
              bad = BadValue(batch, r, csv_index[c], header[csv_index[c]], scanner->source_name(),
                             "not a decimal number");
            } else {
              owned->AddDecimal(v, d);
            }
            break;
          }
        }
      }
      if (bad) {
        owned->DropLast(added);
        if (bad_rows == BadRowPolicy::kFail) return Fail(std::move(*bad));
        ++stats.rejected;
        continue;
      }
      cost += row_cost;
      ++stats.loaded;
      if (owned->rows() >= kBatchRows) BP_RETURN_IF_ERROR(flush());
    }
    if (progress) progress->line_items += static_cast<int64_t>(batch.num_rows());
  }
  BP_RETURN_IF_ERROR(flush());
  stats.unblended_cost = FormatFixed(cost);
  return Ok();
}

}  // namespace billpipe::pipeline
