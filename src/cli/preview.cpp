// billpipe preview NAME [--rows N] [--json]: the Load Preview (docs/catalog.md). Also by flags:
// billpipe preview --bucket B [--prefix P] --report-name R [--filter F] [duration] [store options].
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "app/runs.h"
#include "cli/catalog_common.h"
#include "cli/commands.h"
#include "cli/store_options.h"
#include "pipeline/preview.h"
#include "util/home.h"

namespace billpipe::cli {
namespace {

constexpr size_t kDefaultPreviewRows = 10;
constexpr size_t kMaxPreviewRows = 10'000;

struct PreviewFlags {
  std::string home;
  std::string name;
  size_t rows = kDefaultPreviewRows;
  bool json = false;
  pipeline::RunRequest request;
  std::string filter = "all";
  std::string schema = "cur";
  std::string date, start, end;
  StoreOptions store;
};

Result<pipeline::Duration> FlagDuration(const PreviewFlags& f) {
  if (!f.date.empty()) {
    if (!f.start.empty() || !f.end.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "Give one duration: --date, or --start with --end.");
    }
    BP_ASSIGN_OR_RETURN(auto d, pipeline::DateSpec::Parse(f.date));
    return pipeline::Duration{d, std::nullopt};
  }
  BP_ASSIGN_OR_RETURN(auto s, pipeline::DateSpec::Parse(f.start.empty() ? "62d" : f.start));
  BP_ASSIGN_OR_RETURN(auto e, pipeline::DateSpec::Parse(f.end.empty() ? "0d" : f.end));
  return pipeline::Duration{s, e};
}

Status Preview(PreviewFlags& f) {
  if (!f.name.empty()) {
    if (!f.request.bucket.empty() || !f.request.report_name.empty()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "Give a dataset name, or the dataset's details (--bucket, --report-name ...), not both.");
    }
    BP_ASSIGN_OR_RETURN(auto preview, app::PreviewCatalogDataset(DataHome(f.home), f.name, f.rows));
    std::cout << (f.json ? pipeline::PreviewJson(preview) + "\n" : pipeline::FormatPreview(preview, f.name));
    return Ok();
  }
  if (f.request.bucket.empty() || f.request.report_name.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "Give a dataset name (billpipe dataset list), or --bucket and --report-name.");
  }
  pipeline::RunRequest request = f.request;
  BP_ASSIGN_OR_RETURN(request.filter, pipeline::ParseFilter(f.filter));
  BP_ASSIGN_OR_RETURN(request.schema, pipeline::ParseOutputSchema(f.schema));
  BP_ASSIGN_OR_RETURN(request.duration, FlagDuration(f));
  std::string shown_name = "s3://" + request.bucket + "/" + (request.prefix.empty() ? "" : request.prefix + "/") +
                           request.report_name;
  BP_ASSIGN_OR_RETURN(auto preview, app::PreviewDatasetByDetails(request, f.store.Settings(), f.rows));
  std::cout << (f.json ? pipeline::PreviewJson(preview) + "\n" : pipeline::FormatPreview(preview, shown_name));
  return Ok();
}

}  // namespace

void RegisterPreviewCommand(CLI::App& app, CliState& state) {
  auto f = std::make_shared<PreviewFlags>();
  auto* cmd = app.add_subcommand("preview", "The Load Preview: the first rows of the newest report version, with "
                                            "column names and types, written nowhere");
  cmd->add_option("name", f->name, "A dataset of the catalog (billpipe dataset list); or give the details below");
  cmd->add_option("--rows", f->rows, "How many rows (default 10)")->check(CLI::Range(size_t{1}, kMaxPreviewRows));
  cmd->add_flag("--json", f->json, "Print JSON");
  AddHomeOption(cmd, &f->home);
  cmd->add_option("--bucket", f->request.bucket, "S3 bucket holding the report");
  cmd->add_option("--prefix", f->request.prefix, "Report path prefix");
  cmd->add_option("--report-name", f->request.report_name, "Report name");
  cmd->add_option("--filter", f->filter, "all | invoiced | estimated")->capture_default_str();
  cmd->add_option("--schema", f->schema, "cur (the report's own columns) | focus (FOCUS 1.2 columns)")
      ->capture_default_str();
  cmd->add_option("--date", f->date, "One day: YYYY-MM-DD, or Nd for N days back");
  cmd->add_option("--start", f->start, "Range start: YYYY-MM-DD or Nd; default 62d");
  cmd->add_option("--end", f->end, "Range end, included: YYYY-MM-DD or Nd; default 0d");
  f->store.AddTo(*cmd);
  cmd->callback([f, &state] {
    Status s = Preview(*f);
    state.exit_code = s ? kExitOk : ReportError(s.error());
  });
}

}  // namespace billpipe::cli
