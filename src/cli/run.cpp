// billpipe run / status / restore: load a dataset given by flags, show its periods, bring back a version.
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include <algorithm>
#include <cctype>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/datasets.h"
#include "app/runs.h"
#include "cli/commands.h"
#include "cli/catalog_common.h"
#include "cli/store_options.h"
#include "pipeline/run.h"
#include "pipeline/verify.h"
#include "sink/open_sink.h"
#include "util/escape.h"
#include "util/home.h"

namespace billpipe::cli {
namespace {

// The default dataset name: the report name with every character that is not a letter or digit as '_'.
std::string TableFromReport(const std::string& report) {
  std::string out;
  for (char c : report) {
    bool ok = std::isalnum(static_cast<unsigned char>(c));
    char ch = ok ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '_';
    if (ch == '_' && !out.empty() && out.back() == '_') continue;
    out += ch;
  }
  if (out.empty() || !std::isalpha(static_cast<unsigned char>(out[0]))) out = "cur_" + out;
  return out;
}

struct DestinationOptions {
  std::string home;
  std::string to;
  std::string table;
  std::string password;  // a catalog dataset's stored password (never a flag)
  void AddTo(CLI::App& c) {
    c.add_option("--home", home, "Data directory; default $BILLPIPE_HOME or ~/.local/share/billpipe");
    c.add_option("--to", to, "Destination: sqlite:PATH, postgresql://[user@]host[:port]/db (password from "
                             "PGPASSWORD or ~/.pgpass) or clickhouse://[user@]host[:port][/db][?cluster=NAME]; "
                             "default sqlite:<data directory>/billpipe.db");
  }
  std::string Destination() const { return to.empty() ? sink::DefaultDestination(DataHome(home)) : to; }
};

struct RunFlags {
  std::string name;  // a catalog dataset; empty: the dataset is given by flags
  pipeline::RunRequest request;
  StoreOptions store;
  DestinationOptions dest;
  std::string report_type = "cost-and-usage";
  std::string schema = "cur";
  std::string filter = "all", update = "replace";
  std::string date, days_back, start, end;
  bool skip_bad_rows = false;
  bool json = false;
};

int Run(RunFlags& f) {
  auto& req = f.request;
  if (!f.name.empty()) {
    if (!req.bucket.empty() || !req.report_name.empty()) {
      std::cerr << "billpipe: Give a dataset name, or the dataset's details (--bucket, --report-name ...), not both.\n";
      return kExitUsage;
    }
    if (!f.dest.to.empty() || !f.dest.table.empty()) {
      std::cerr << fmt::format("billpipe: A catalog dataset loads into its own destination: give no --to or --table "
                               "with a dataset name (change it with billpipe dataset edit {} --to ...).\n", f.name);
      return kExitUsage;
    }
    pipeline::ProgressCounters progress;
    std::unique_ptr<pipeline::ProgressReporter> reporter;
    if (!f.json && isatty(STDERR_FILENO)) reporter = std::make_unique<pipeline::ProgressReporter>(progress, stderr);
    app::RunHooks hooks;
    hooks.progress = &progress;
    hooks.warn = [&](const std::string& w) {
      if (!f.json) std::cerr << "billpipe: warning: " << ShownMessage(w) << "\n";
    };
    auto summary = app::RunCatalogDataset(DataHome(f.dest.home), f.name, hooks);
    reporter.reset();
    if (!summary) return ReportError(summary.error());
    std::cout << (f.json ? pipeline::SummaryJson(*summary) + "\n" : pipeline::FormatSummary(*summary));
    return kExitOk;
  }
  if (req.bucket.empty() || req.report_name.empty()) {
    std::cerr << "billpipe: Give a dataset name (billpipe dataset list), or --bucket and --report-name.\n";
    return kExitUsage;
  }
  auto kind = cur::ParseReportType(f.report_type);
  if (!kind) {
    std::cerr << "billpipe: " << kind.error().message << "\n";
    return kExitUsage;
  }
  req.report_kind = *kind;
  auto filter = pipeline::ParseFilter(f.filter);
  if (!filter) return ReportError(filter.error());
  req.filter = *filter;
  auto schema = pipeline::ParseOutputSchema(f.schema);
  if (!schema) return ReportError(schema.error());
  req.schema = *schema;
  auto update = pipeline::ParseUpdateMethod(f.update);
  if (!update) return ReportError(update.error());
  req.update = *update;
  int given = !f.date.empty() + !f.days_back.empty() + (!f.start.empty() || !f.end.empty());
  if (given > 1) {
    std::cerr << "billpipe: Give one duration: --date, --days-back, or --start with --end.\n";
    return kExitUsage;
  }
  if (!f.start.empty() != !f.end.empty()) {
    std::cerr << "billpipe: A date range needs both --start and --end (each YYYY-MM-DD or Nd for N days back).\n";
    return kExitUsage;
  }
  auto parse = [](const std::string& text) { return pipeline::DateSpec::Parse(text); };
  if (!f.date.empty() || !f.days_back.empty()) {
    auto d = parse(f.date.empty() ? f.days_back + "d" : f.date);
    if (!d) return ReportError(d.error());
    req.duration = pipeline::Duration{*d, std::nullopt};
  } else {
    auto s = parse(f.start.empty() ? "62d" : f.start);
    auto e = parse(f.end.empty() ? "0d" : f.end);
    if (!s) return ReportError(s.error());
    if (!e) return ReportError(e.error());
    req.duration = pipeline::Duration{*s, *e};
  }
  req.bad_rows = f.skip_bad_rows ? pipeline::BadRowPolicy::kSkip : pipeline::BadRowPolicy::kFail;
  if (f.dest.table.empty()) f.dest.table = TableFromReport(req.report_name);
  req.dataset = f.dest.table;

  pipeline::ProgressCounters progress;
  app::RunHooks hooks;
  hooks.progress = &progress;
  hooks.warn = [&](const std::string& w) {
    if (!f.json) std::cerr << "billpipe: warning: " << ShownMessage(w) << "\n";
  };
  // Test hook: BILLPIPE_TEST_KILL_AT=STEP:N kills the process with SIGKILL the Nth time the run reaches
  // STEP (see docs/testing.md), to prove that nothing is lost whatever the moment of death.
  if (const char* kill_at = std::getenv("BILLPIPE_TEST_KILL_AT")) {
    std::string spec = kill_at;
    auto colon = spec.find(':');
    auto step = std::make_shared<std::string>(spec.substr(0, colon));
    auto left = std::make_shared<int>(colon == std::string::npos ? 1 : std::atoi(spec.c_str() + colon + 1));
    hooks.checkpoint = [step, left](std::string_view reached) {
      if (reached == *step && --*left <= 0) raise(SIGKILL);
    };
  }
  std::unique_ptr<pipeline::ProgressReporter> reporter;
  if (!f.json && isatty(STDERR_FILENO)) reporter = std::make_unique<pipeline::ProgressReporter>(progress, stderr);
  auto summary = app::RunDatasetByDetails(req, f.store.Settings(), f.dest.Destination(), DataHome(f.dest.home), hooks);
  reporter.reset();
  if (!summary) return ReportError(summary.error());
  std::cout << (f.json ? pipeline::SummaryJson(*summary) + "\n" : pipeline::FormatSummary(*summary));
  return kExitOk;
}

// `NAME` (a catalog dataset: its table in its destination, with its stored password) or `--table T [--to D]`.
// Returns the exit code of a usage error, or -1 when dest now names the dataset.
int ResolveNamedDataset(const std::string& command, const std::string& name, DestinationOptions& dest) {
  if (name.empty()) {
    if (!dest.table.empty()) return -1;
    std::cerr << "billpipe: Give a dataset name (billpipe dataset list), or --table NAME.\n";
    return kExitUsage;
  }
  if (!dest.table.empty() || !dest.to.empty()) {
    std::cerr << fmt::format("billpipe: Give a dataset name, or --table (and --to), not both: billpipe {} {} finds "
                             "the dataset's data in its destination.\n",
                             command, name);
    return kExitUsage;
  }
  auto catalog = OpenCatalog(dest.home);
  if (!catalog) return ReportError(catalog.error());
  auto def = app::GetDataset(**catalog, name);
  if (!def) return ReportError(def.error());
  auto where = app::DatasetDestination(**catalog, *def);
  if (!where) return ReportError(where.error());
  dest.table = def->name;
  dest.to = where->destination;
  dest.password = where->password;
  return -1;
}

int Status(const std::string& name, DestinationOptions& dest, bool json) {
  if (int rc = ResolveNamedDataset("status", name, dest); rc >= 0) return rc;
  auto status = app::GetDatasetStatus(dest.Destination(), dest.table, dest.password);
  if (!status) return ReportError(status.error());
  const auto* state = &status->state;
  const auto* versions = &status->versions;
  if (!state->exists) {
    std::cerr << fmt::format("billpipe: Dataset '{}' has not been loaded into {} yet. Load it with billpipe run{}.\n",
                             dest.table, status->destination, name.empty() ? "" : " " + name);
    return kExitFailed;
  }
  if (json) {
    std::cout << app::DatasetStatusJson(*status).dump(2) << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("Dataset {} in {}, version {}\n", dest.table, status->destination,
                           state->current ? state->current->version : 0);
  std::cout << fmt::format("  {:<10} {:<10} {:>14} {:>20}  {:<23} {:<22} {}\n", "period", "status", "line items",
                           "unblended cost", "window", "loaded at", "version");
  for (const auto& s : state->current_segments) {
    std::cout << fmt::format("  {:<10} {:<10} {:>14} {:>20}  {:<23} {:<22} {}\n", s.key.billing_period,
                             sink::FinalityName(s.finality), pipeline::GroupThousands(s.line_items), s.total,
                             s.key.window_start + ".." + s.key.window_end.substr(5), s.loaded_at, s.key.version_key);
  }
  std::cout << "Versions kept:\n";
  for (const auto& v : *versions) {
    std::cout << fmt::format("  {}{:>4}  {}  {}\n", state->current && v.version == state->current->version ? "*" : " ",
                             v.version, v.created_at, v.note);
  }
  return kExitOk;
}

int Restore(DestinationOptions& dest, int64_t version) {
  auto restored = app::RestoreDatasetVersion(dest.Destination(), dest.table, version);
  if (!restored) return ReportError(restored.error());
  std::cout << fmt::format("Dataset {} restored to version {} (recorded as version {}).\n", dest.table, version,
                           *restored);
  return kExitOk;
}

struct VerifyFlags {
  std::string name;  // a catalog dataset; empty: the dataset is given by flags
  pipeline::RunRequest request;
  std::string schema = "cur";
  StoreOptions store;
  DestinationOptions dest;
  bool json = false;
};

// verify NAME: the catalog dataset's report, read with its account's credentials, against its data.
int VerifyCatalogDataset(VerifyFlags& f) {
  if (!f.request.bucket.empty() || !f.request.report_name.empty() || !f.request.prefix.empty() ||
      !f.dest.table.empty() || !f.dest.to.empty()) {
    std::cerr << "billpipe: Give a dataset name, or the dataset's details (--bucket, --report-name ...), not both.\n";
    return kExitUsage;
  }
  auto report = app::VerifyCatalogDataset(DataHome(f.dest.home), f.name);
  if (!report) return ReportError(report.error());
  std::cout << (f.json ? pipeline::VerifyReportJson(*report) + "\n" : pipeline::FormatVerifyReport(*report));
  return report->ok() ? kExitOk : kExitFailed;
}

int Verify(VerifyFlags& f) {
  if (!f.name.empty()) return VerifyCatalogDataset(f);
  if (f.request.bucket.empty() || f.request.report_name.empty()) {
    std::cerr << "billpipe: Give a dataset name (billpipe dataset list), or --bucket and --report-name.\n";
    return kExitUsage;
  }
  if (f.dest.table.empty()) f.dest.table = TableFromReport(f.request.report_name);
  f.request.dataset = f.dest.table;
  auto schema = pipeline::ParseOutputSchema(f.schema);
  if (!schema) return ReportError(schema.error());
  f.request.schema = *schema;
  auto report = app::VerifyDatasetByDetails(f.request, f.store.Settings(), f.dest.Destination(),
                                            DataHome(f.dest.home));
  if (!report) return ReportError(report.error());
  std::cout << (f.json ? pipeline::VerifyReportJson(*report) + "\n" : pipeline::FormatVerifyReport(*report));
  return report->ok() ? kExitOk : kExitFailed;
}

}  // namespace

void RegisterRunCommands(CLI::App& app, CliState& state) {
  auto flags = std::make_shared<RunFlags>();
  auto* run = app.add_subcommand("run", "Load a Cost and Usage Report into a dataset");
  auto& r = flags->request;
  run->add_option("--report-type", flags->report_type,
                  "cost-and-usage (a legacy report or a CUR 2.0 / FOCUS export, whichever the name is), legacy-cur "
                  "or data-export")
      ->capture_default_str();
  run->add_option("name", flags->name, "A dataset of the catalog (billpipe dataset list); or give the details below");
  run->add_option("--bucket", r.bucket, "S3 bucket holding the report");
  run->add_option("--prefix", r.prefix, "Report path prefix, as set in the report's definition");
  run->add_option("--report-name", r.report_name, "Report name");
  run->add_option("--filter", flags->filter, "all | invoiced | estimated (lines with / without bill/InvoiceId)")
      ->capture_default_str();
  run->add_option("--schema", flags->schema,
                  "cur (the report's own columns) | focus (FOCUS 1.2 columns from a legacy CUR or CUR 2.0 report)")
      ->capture_default_str();
  run->add_option("--date", flags->date, "One day: YYYY-MM-DD, or Nd for N days back");
  run->add_option("--days-back", flags->days_back, "A single day, N days back (the same as --date Nd; UTC)");
  run->add_option("--start", flags->start, "Range start (days back to start from): YYYY-MM-DD or Nd; default 62d");
  run->add_option("--end", flags->end, "Range end, included (days back to end at): YYYY-MM-DD or Nd; default 0d (today)");
  run->add_option("--update", flags->update, "replace | append | partition")->capture_default_str();
  run->add_option("--keep-versions", r.keep_versions, "Earlier dataset versions kept for billpipe restore")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  run->add_option("--retention-months", r.partition_retention_months,
                  "With --update partition: drop periods older than this many months (0 keeps all)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1200));
  run->add_flag("--skip-bad-rows", flags->skip_bad_rows, "Skip and count malformed rows instead of failing the run");
  run->add_option("--workers", r.workers, "Files downloaded and decoded at once; default the number of cores")
      ->check(CLI::Range(0, 64));
  run->add_option("--table", flags->dest.table, "Dataset (table) name; default from the report name");
  run->add_flag("--json", flags->json, "Print the summary as JSON");
  flags->dest.AddTo(*run);
  flags->store.AddTo(*run);
  run->callback([flags, &state] { state.exit_code = Run(*flags); });

  auto verify_flags = std::make_shared<VerifyFlags>();
  auto* verify = app.add_subcommand("verify", "Recompute each loaded period from S3 and compare it with the dataset");
  verify->add_option("name", verify_flags->name, "A dataset of the catalog (billpipe dataset list); or give the "
                                               "details below");
  verify->add_option("--bucket", verify_flags->request.bucket, "S3 bucket holding the report");
  verify->add_option("--prefix", verify_flags->request.prefix, "Report path prefix");
  verify->add_option("--report-name", verify_flags->request.report_name, "Report name");
  verify->add_option("--table", verify_flags->dest.table, "Dataset (table) name; default from the report name");
  verify->add_option("--schema", verify_flags->schema, "cur | focus: as the dataset was loaded (run --schema)")
      ->capture_default_str();
  verify->add_flag("--json", verify_flags->json, "Print the comparison as JSON");
  verify_flags->dest.AddTo(*verify);
  verify_flags->store.AddTo(*verify);
  verify->callback([verify_flags, &state] { state.exit_code = Verify(*verify_flags); });

  struct StatusFlags {
    std::string name;
    DestinationOptions dest;
    bool json = false;
  };
  auto status_flags = std::make_shared<StatusFlags>();
  auto* status = app.add_subcommand("status", "Show a dataset's billing periods, their versions and status");
  status->add_option("name", status_flags->name, "A dataset of the catalog (billpipe dataset list)");
  status->add_option("--table", status_flags->dest.table, "Dataset (table) name, for datasets loaded by flags");
  status->add_flag("--json", status_flags->json, "Print as JSON");
  status_flags->dest.AddTo(*status);
  status->callback([status_flags, &state] {
    state.exit_code = Status(status_flags->name, status_flags->dest, status_flags->json);
  });

  auto restore_flags = std::make_shared<std::pair<DestinationOptions, int64_t>>();
  auto* restore = app.add_subcommand("restore", "Make an earlier kept version of a dataset current again");
  restore->add_option("--table", restore_flags->first.table, "Dataset (table) name")->required();
  restore->add_option("--version", restore_flags->second, "The version to restore (see billpipe status)")->required();
  restore_flags->first.AddTo(*restore);
  restore->callback([restore_flags, &state] { state.exit_code = Restore(restore_flags->first, restore_flags->second); });
}

}  // namespace billpipe::cli
