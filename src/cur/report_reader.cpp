#include "cur/report_reader.h"

#include <fmt/format.h>

#include "cur/export_discovery.h"
#include "cur/export_reader.h"
#include "cur/legacy_cur_reader.h"
#include "cur/report_discovery.h"

namespace billpipe::cur {
namespace {

// kAny: the reader of whichever kind the name is under the prefix, found at CheckExists (or at the first
// call that needs it) with one discovery; a name that is both a legacy report and an export is refused.
class AnyReportReader final : public ReportReader {
 public:
  AnyReportReader(s3::ObjectStore& store, std::string bucket, std::string prefix, std::string name)
      : store_(store), bucket_(std::move(bucket)), prefix_(std::move(prefix)), name_(std::move(name)) {}

  ReportKind kind() const override { return resolved_ ? resolved_->kind() : ReportKind::kAny; }
  std::string Describe() const override {
    return resolved_ ? resolved_->Describe() : S3Url(bucket_, PrefixAsFolder(prefix_) + name_ + "/");
  }
  // Resolving checks what the chosen reader's CheckExists would (the name's folder, or discovery), unless
  // the name's folder could not be listed: then the legacy reader's own check says why.
  Status CheckExists() override {
    BP_RETURN_IF_ERROR(Resolve());
    return unlisted_ ? resolved_->CheckExists() : Ok();
  }
  Result<std::vector<BillingPeriod>> PeriodsIn(const DateWindow& window) override {
    BP_RETURN_IF_ERROR(Resolve());
    return resolved_->PeriodsIn(window);
  }
  Result<std::optional<PeriodVersion>> Newest(const BillingPeriod& period) override {
    BP_RETURN_IF_ERROR(Resolve());
    return resolved_->Newest(period);
  }
  Result<PeriodVersion> Version(const BillingPeriod& period, std::string_view version_key) override {
    BP_RETURN_IF_ERROR(Resolve());
    return resolved_->Version(period, version_key);
  }
  Status StatFiles(PeriodVersion& version) override {
    BP_RETURN_IF_ERROR(Resolve());
    return resolved_->StatFiles(version);
  }

 private:
  Status Resolve() {
    if (resolved_) return Ok();
    BP_RETURN_IF_ERROR(ValidateReportName(name_));
    BP_RETURN_IF_ERROR(ValidateReportPrefix(prefix_));
    // The common case costs two delimiter listings: the name's folder holds a legacy period folder or an
    // export's data/ and metadata/ folders, not both.
    const std::string root = PrefixAsFolder(prefix_) + name_ + "/";
    auto listed = store_.List(bucket_, root, "/");
    if (!listed) {
      // Refused or failing: the legacy reader (billpipe's default before exports) meets the same error
      // where it names the period and key.
      unlisted_ = true;
      resolved_ = OpenReportReader(ReportKind::kLegacyCur, store_, bucket_, prefix_, name_);
      return Ok();
    }
    const s3::Listing& listing = *listed;
    bool has_export = false, has_legacy = false;
    for (const std::string& sub : listing.common_prefixes) {
      std::string_view folder = std::string_view(sub).substr(root.size());
      if (folder == "metadata/" || folder == "data/") {
        has_export = true;
      } else {
        has_legacy = true;
      }
    }
    ReportKind kind = ReportKind::kLegacyCur;
    if (has_export && !has_legacy) {
      kind = ReportKind::kDataExport;
    } else if (has_export || !has_legacy) {
      // Both, or nothing at this exact place: discovery says which (and names both, or the reports there).
      BP_ASSIGN_OR_RETURN(auto reports, DiscoverReports(store_, bucket_, prefix_));
      BP_ASSIGN_OR_RETURN(auto selected, SelectReportOrExport(reports, bucket_, prefix_, name_, ReportPick::kAny));
      if (selected.format == ReportFormat::kDataExport) kind = ReportKind::kDataExport;
    }
    resolved_ = OpenReportReader(kind, store_, bucket_, prefix_, name_);
    return Ok();
  }

  s3::ObjectStore& store_;
  std::string bucket_, prefix_, name_;
  std::unique_ptr<ReportReader> resolved_;
  bool unlisted_ = false;
};

}  // namespace

std::string_view ReportKindName(ReportKind kind) {
  switch (kind) {
    case ReportKind::kLegacyCur: return "legacy CUR";
    case ReportKind::kDataExport: return "data export";
    case ReportKind::kAny: return "any";
  }
  return "legacy CUR";
}

Result<ReportKind> ParseReportType(std::string_view report_type) {
  if (report_type == kReportTypeAny) return ReportKind::kAny;
  if (report_type == kReportTypeLegacy) return ReportKind::kLegacyCur;
  if (report_type == kReportTypeExport) return ReportKind::kDataExport;
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("Unknown report type '{}'. Choose one of: {} (a legacy Cost and Usage Report or a CUR 2.0 / "
                          "FOCUS data export, whichever the name is), {} (only a legacy report), {} (only a data "
                          "export).",
                          report_type, kReportTypeAny, kReportTypeLegacy, kReportTypeExport));
}

std::string_view ReportTypeName(ReportKind kind) {
  switch (kind) {
    case ReportKind::kLegacyCur: return kReportTypeLegacy;
    case ReportKind::kDataExport: return kReportTypeExport;
    case ReportKind::kAny: return kReportTypeAny;
  }
  return kReportTypeAny;
}

std::string KeyWithFileEtags(std::string_view base, const std::vector<std::string>& etags) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a over the ETags, each followed by a separator
  for (const std::string& etag : etags) {
    for (char c : etag) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    h = (h ^ 0x1fu) * 1099511628211ull;
  }
  return fmt::format("{}/{:016x}", base, h);
}

Status CheckFilterApplies(const PeriodVersion& version, std::string_view filter_name) {
  if (filter_name == "all" || !version.roles.invoice_id.empty()) return Ok();
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("the {} filter needs an invoice column, and {} reports have none (period {}; FOCUS has "
                          "InvoiceId from version 1.2): use the all filter, or a FOCUS 1.2 or CUR 2.0 export",
                          filter_name, version.kind_name, version.period.Label()));
}

std::unique_ptr<ReportReader> OpenReportReader(ReportKind kind, s3::ObjectStore& store, std::string bucket,
                                               std::string prefix, std::string name) {
  switch (kind) {
    case ReportKind::kLegacyCur: break;
    case ReportKind::kDataExport:
      return std::make_unique<ExportReader>(store, std::move(bucket), std::move(prefix), std::move(name));
    case ReportKind::kAny:
      return std::make_unique<AnyReportReader>(store, std::move(bucket), std::move(prefix), std::move(name));
  }
  return std::make_unique<LegacyCurReader>(store, std::move(bucket), std::move(prefix), std::move(name));
}

}  // namespace billpipe::cur
