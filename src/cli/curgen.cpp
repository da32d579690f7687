// billpipe curgen: writes a generated CUR layout and its expected.json (docs/curgen.md).
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/core.h>

#include "cli/commands.h"
#include "cli/store_options.h"
#include "curgen/export_generator.h"
#include "curgen/generator.h"

namespace billpipe::cli {
namespace {

struct CurgenArgs {
  curgen::CurgenOptions options;
  std::string out_dir;
  bool upload = false;    // write straight into --bucket through the S3 client
  StoreOptions store;     // --endpoint-url, --profile, --region for --upload
  std::string expected_path;
  std::string start_month = "2019-12";
  std::string time_unit = "hourly";
  std::string compression = "gzip";
  std::string versioning = "create-new";
  int invoiced_months = -1;
  std::string month_status;
  bool no_tag_drift = false;
  bool quiet = false;
  std::string kind = "legacy";  // legacy, cur2, focus (1.2), focus-1.0: docs/exports.md
  curgen::ExportOptions export_options;
};

Status ParseArgs(CurgenArgs& a) {
  auto& o = a.options;
  int y = 0, m = 0;
  char dash = 0;
  std::istringstream ms(a.start_month);
  if (a.start_month.size() != 7 || !(ms >> y >> dash >> m) || dash != '-') {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("--start-month '{}' is not valid: use YYYY-MM, e.g. 2019-12", a.start_month));
  }
  o.start_year = y;
  o.start_month = m;
  o.time_unit = a.time_unit == "daily" ? curgen::TimeUnit::kDaily : curgen::TimeUnit::kHourly;
  o.compression = a.compression == "zip" ? curgen::Compression::kZip : curgen::Compression::kGzip;
  o.versioning = a.versioning == "overwrite" ? curgen::Versioning::kOverwrite : curgen::Versioning::kCreateNew;
  o.tag_drift = !a.no_tag_drift;
  if (!a.month_status.empty()) {
    if (a.invoiced_months >= 0) {
      return Fail(ErrorCode::kInvalidArgument, "give either --invoiced-months or --month-status, not both");
    }
    std::istringstream in(a.month_status);
    std::string item;
    while (std::getline(in, item, ',')) {
      if (item == "invoiced") o.month_status.push_back(curgen::MonthStatus::kInvoiced);
      else if (item == "estimated") o.month_status.push_back(curgen::MonthStatus::kEstimated);
      else {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("--month-status entry '{}' is not valid: use invoiced or estimated", item));
      }
    }
  } else if (a.invoiced_months >= 0) {
    if (a.invoiced_months > o.months) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("--invoiced-months {} is more than --months {}",
                                                           a.invoiced_months, o.months));
    }
    for (int i = 0; i < o.months; ++i) {
      o.month_status.push_back(i < a.invoiced_months ? curgen::MonthStatus::kInvoiced
                                                     : curgen::MonthStatus::kEstimated);
    }
  }
  if (a.upload == !a.out_dir.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "give either --out DIR or --upload (into --bucket), not both");
  }
  if (a.upload && a.expected_path.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "--upload needs --expected FILE: where to write expected.json");
  }
  if (a.expected_path.empty()) a.expected_path = a.out_dir + "/expected.json";
  if (a.kind == "legacy" && (a.export_options.shrink_chunks != 0 || a.export_options.in_progress_execution)) {
    return Fail(ErrorCode::kInvalidArgument, "--shrink-chunks and --in-progress-execution are for exports: give "
                                             "--kind cur2, focus or focus-1.0");
  }
  if (a.kind != "legacy") {
    auto& e = a.export_options;
    e.base = o;
    e.kind = a.kind == "cur2" ? cur::ExportKind::kCur2
             : a.kind == "focus-1.0" ? cur::ExportKind::kFocus10 : cur::ExportKind::kFocus12;
    e.delivery = a.versioning == "overwrite" ? cur::ExportDelivery::kOverwrite : cur::ExportDelivery::kCreateNew;
    e.executions_per_month = o.assemblies_per_month;
    return curgen::ValidateExportOptions(e);
  }
  return curgen::ValidateOptions(o);
}

int RunCurgen(CurgenArgs& a) {
  if (auto st = ParseArgs(a); !st) {
    std::cerr << "billpipe curgen: " << st.error().message << "\n";
    return kExitUsage;
  }
  auto started = std::chrono::steady_clock::now();
  std::unique_ptr<s3::ObjectStore> store;
  std::unique_ptr<curgen::ObjectWriter> writer;
  if (a.upload) {
    auto made = a.store.Make();
    if (!made) {
      std::cerr << "billpipe curgen: " << made.error().message << "\n";
      return made.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed;
    }
    store = std::move(*made);
    writer = std::make_unique<curgen::ObjectStoreWriter>(*store, a.options.bucket);
  } else {
    writer = std::make_unique<curgen::DirectoryObjectWriter>(a.out_dir);
  }
  bool is_export = a.kind != "legacy";
  auto report = is_export ? curgen::GenerateExport(a.export_options, *writer) : curgen::GenerateCur(a.options, *writer);
  if (!report) {
    std::cerr << "billpipe curgen: " << report.error().message << "\n";
    return report.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto expected = curgen::ExpectedJson(
      *report, is_export ? curgen::ExportOptionsJson(a.export_options) : curgen::OptionsJson(a.options));
  {
    std::ofstream f(a.expected_path, std::ios::binary | std::ios::trunc);
    f << expected.dump(2) << "\n";
    if (!f.flush()) {
      std::cerr << "billpipe curgen: cannot write " << a.expected_path << "\n";
      return kExitFailed;
    }
  }
  if (!a.quiet) {
    uint64_t bytes = 0, rows = 0;
    for (const auto& o : report->objects) bytes += o.size;
    for (const auto& p : report->periods) rows += p.rows;
    std::cout << fmt::format(
        "wrote {} objects ({} bytes) under {}: {} periods, {} line items in the newest versions, in {:.2f} s\n"
        "expected totals: {}\n",
        report->objects.size(), bytes, writer->Describe(report->prefix.empty() ? report->report_name
                                                                             : report->prefix + "/" + report->report_name),
        report->periods.size(), rows, seconds, a.expected_path);
  }
  return kExitOk;
}

}  // namespace

void RegisterCurgenCommand(CLI::App& app, CliState& state) {
  auto args = std::make_shared<CurgenArgs>();
  auto& o = args->options;
  auto* cmd = app.add_subcommand("curgen",
                                 "Write a generated, realistic AWS Cost and Usage Report layout (legacy CUR, CSV; "
                                 "--kind cur2|focus: a Data Export) and its exact expected totals");
  cmd->add_option("--out", args->out_dir, "Folder to write the objects into (key K goes to DIR/K)");
  cmd->add_flag("--upload", args->upload, "Write the objects straight into --bucket in S3 instead of --out");
  cmd->add_option("--endpoint-url", args->store.endpoint_url,
                  "With --upload: S3 endpoint (a local S3 server); default AWS, or AWS_ENDPOINT_URL_S3 / "
                  "AWS_ENDPOINT_URL");
  cmd->add_option("--profile", args->store.profile, "With --upload: profile of the shared AWS credentials files");
  cmd->add_option("--region", args->store.region, "With --upload: AWS region");
  cmd->add_option("--expected", args->expected_path,
                  "Where to write expected.json (default with --out: DIR/expected.json; required with --upload)");
  cmd->add_option("--bucket", o.bucket, "Bucket named in the manifests (and written to with --upload)")
      ->capture_default_str();
  cmd->add_option("--prefix", o.prefix, "Report path prefix (may be empty)")->capture_default_str();
  cmd->add_option("--report-name", o.report_name, "Report name")->capture_default_str();
  cmd->add_option("--start-month", args->start_month, "First billing period, YYYY-MM")->capture_default_str();
  cmd->add_option("--months", o.months, "Number of consecutive billing periods")->capture_default_str();
  cmd->add_option("--line-items", o.line_items_per_month, "Line items in the newest version of each month")
      ->capture_default_str();
  cmd->add_option("--time-unit", args->time_unit, "hourly or daily")
      ->check(CLI::IsMember({"hourly", "daily"}))
      ->capture_default_str();
  cmd->add_option("--files", o.files_per_period, "Data files per period (report-1 ... report-N)")
      ->capture_default_str();
  cmd->add_option("--file-number-width", o.file_number_width, "Digits in file numbers: 1 (-1) or 5 (-00001)")
      ->capture_default_str();
  cmd->add_option("--compression", args->compression, "gzip or zip")
      ->check(CLI::IsMember({"gzip", "zip"}))
      ->capture_default_str();
  cmd->add_option("--versioning", args->versioning, "create-new (assembly folders) or overwrite")
      ->check(CLI::IsMember({"create-new", "overwrite"}))
      ->capture_default_str();
  cmd->add_option("--assemblies", o.assemblies_per_month,
                  "create-new: versions per month, each older one a month-to-date prefix of the next")
      ->capture_default_str();
  cmd->add_option("--invoiced-months", args->invoiced_months,
                  "The first N months are invoiced (bill/InvoiceId filled), the rest estimated "
                  "(default: all but the last)");
  cmd->add_option("--month-status", args->month_status,
                  "Per month, comma-separated: invoiced or estimated (e.g. invoiced,estimated,invoiced)");
  cmd->add_flag("--no-tag-drift", args->no_tag_drift, "Keep the same user tag columns every month");
  cmd->add_option("--seed", o.seed, "Seed: the same options and seed give the same bytes")->capture_default_str();
  cmd->add_option("--kind", args->kind,
                  "legacy (CUR 1.0), cur2 (CUR 2.0 export), focus (FOCUS 1.2 export) or focus-1.0; for exports "
                  "--versioning is the delivery option and --assemblies the executions per month")
      ->check(CLI::IsMember({"legacy", "cur2", "focus", "focus-1.0"}))
      ->capture_default_str();
  cmd->add_option("--shrink-chunks", args->export_options.shrink_chunks,
                  "Exports, overwrite: earlier executions wrote N more chunks, left as empty files");
  cmd->add_flag("--in-progress-execution", args->export_options.in_progress_execution,
                "Exports, create-new: one more execution's first chunk without its manifests (being delivered)");
  cmd->add_flag("--quiet", args->quiet, "Print nothing on success");
  cmd->callback([args, &state] { state.exit_code = RunCurgen(*args); });
}

}  // namespace billpipe::cli
