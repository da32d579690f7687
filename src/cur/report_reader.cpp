#include "cur/report_reader.h"

#include "cur/legacy_cur_reader.h"

namespace billpipe::cur {

std::string_view ReportKindName(ReportKind kind) {
  switch (kind) {
    case ReportKind::kLegacyCur: return "legacy CUR";
  }
  return "legacy CUR";
}

std::unique_ptr<ReportReader> OpenReportReader(ReportKind kind, s3::ObjectStore& store, std::string bucket,
                                               std::string prefix, std::string name) {
  switch (kind) {
    case ReportKind::kLegacyCur: break;
  }
  return std::make_unique<LegacyCurReader>(store, std::move(bucket), std::move(prefix), std::move(name));
}

}  // namespace billpipe::cur
