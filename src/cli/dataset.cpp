// billpipe dataset create|list|show|edit|delete|export|import (docs/catalog.md, docs/schedules.md).
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/datasets.h"
#include "catalog/datasets.h"
#include "cli/catalog_common.h"
#include "cli/commands.h"
#include "util/date.h"

namespace billpipe::cli {
namespace {

using catalog::DatasetDefinition;

struct DatasetFlags {
  std::string home;
  std::string name;
  std::string new_name;
  app::DatasetFields fields;
  std::optional<std::string> start_later;  // "YYYY-MM-DD HH:MM" UTC, parsed into fields.start_later
  bool skip_bad_rows = false;
  bool no_skip_bad_rows = false;
  bool no_check = false;
  // The destination's password: from standard input, a file or an environment variable, never argv.
  bool to_password_stdin = false;
  std::string to_password_file;
  std::string to_password_env;
  bool no_to_password = false;
  std::string refused_password;  // --to-password VALUE: refused, never echoed
  bool pause = false;
  bool resume = false;
  bool json = false;
  bool keep_data = false;
  bool yes = false;
  bool replace = false;
  std::string file;
  std::string output;
};

std::string StatusText(const DatasetDefinition& d) {
  if (d.paused) return d.pause_reason.empty() ? "paused" : fmt::format("paused ({})", d.pause_reason);
  if (d.schedule.manual()) return "manual";
  return "scheduled";
}

// The destination's password from the flag that names where to read it (one at most). The password is
// never taken from the command line: other users of the machine see it there (ps, shell history).
Status ReadDestinationPassword(DatasetFlags& f) {
  if (!f.refused_password.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "Passwords are never taken from the command line (other users can see it). Give the destination's "
                "password with --to-password-stdin, --to-password-file FILE or --to-password-env VAR.");
  }
  int given = (f.to_password_stdin ? 1 : 0) + (f.to_password_file.empty() ? 0 : 1) +
              (f.to_password_env.empty() ? 0 : 1) + (f.no_to_password ? 1 : 0);
  if (given > 1) {
    return Fail(ErrorCode::kInvalidArgument,
                "Give one of --to-password-stdin, --to-password-file, --to-password-env and --no-to-password.");
  }
  std::string password;
  if (f.to_password_stdin) {
    auto line = ReadSecretLine("Destination password: ");
    if (!line || line->empty()) {
      return Fail(ErrorCode::kInvalidArgument, "No destination password was read from standard input.");
    }
    password = std::move(*line);
  } else if (!f.to_password_file.empty()) {
    std::ifstream in(f.to_password_file, std::ios::binary);
    if (!in) {
      return Fail(ErrorCode::kNotFound,
                  fmt::format("cannot read {} (from --to-password-file): no such file or not readable",
                              f.to_password_file));
    }
    std::getline(in, password);  // the first line; a trailing newline is not part of it
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.empty()) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The file {} (from --to-password-file) holds no password on its first line.",
                              f.to_password_file));
    }
  } else if (!f.to_password_env.empty()) {
    const char* v = std::getenv(f.to_password_env.c_str());
    if (!v || !*v) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The environment variable {} (from --to-password-env) is not set or empty.",
                              f.to_password_env));
    }
    password = v;
  } else if (!f.no_to_password) {
    return Ok();
  }
  f.fields.destination_password = std::move(password);  // empty with --no-to-password: forgotten
  return Ok();
}

// The flags that need parsing into the fields (a time, a pair of flags, the destination's password).
Status CompleteFields(DatasetFlags& f) {
  if (f.start_later) {
    BP_ASSIGN_OR_RETURN(f.fields.start_later, ParseUtcDateTime(*f.start_later));
  }
  if (f.skip_bad_rows && f.no_skip_bad_rows) {
    return Fail(ErrorCode::kInvalidArgument, "Give --skip-bad-rows or --no-skip-bad-rows, not both.");
  }
  if (f.skip_bad_rows) f.fields.skip_bad_rows = true;
  if (f.no_skip_bad_rows) f.fields.skip_bad_rows = false;
  return ReadDestinationPassword(f);
}

void PrintWarnings(const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) std::cerr << "billpipe: warning: " << w << "\n";
}

std::string NextRunText(const DatasetDefinition& d) {
  if (d.paused) return "paused";
  if (!d.next_run_at) return "manual";
  return catalog::FormatUtcAndLocal(*d.next_run_at);
}

void PrintDataset(const DatasetDefinition& d) {
  std::cout << fmt::format("Name:          {}\n", d.name);
  if (!d.description.empty()) std::cout << fmt::format("Description:   {}\n", d.description);
  std::cout << fmt::format("Account:       {}\n", d.account.empty() ? "(none: its account was deleted)" : d.account);
  std::cout << fmt::format("Report type:   {}\n", d.report_type);
  std::cout << fmt::format("Report:        s3://{}/{}{}{}\n", d.bucket, d.prefix, d.prefix.empty() ? "" : "/",
                           d.report_name);
  std::cout << fmt::format("Filter:        {}\n", pipeline::FilterName(d.filter));
  // The schema shows when it is not the default (the report's own columns).
  if (d.schema == pipeline::OutputSchema::kFocus) std::cout << "Schema:        focus (FOCUS 1.2 columns)\n";
  std::cout << fmt::format("Duration:      {}\n", catalog::DurationToString(d.duration));
  std::cout << fmt::format("Update method: {}\n", pipeline::UpdateMethodName(d.update_method));
  // The destination shows when it is not the data directory's SQLite file; a password never does.
  if (!d.destination.empty()) std::cout << fmt::format("Destination:   {}\n", d.destination);
  if (d.destination_password_stored) std::cout << "Dest password: ******** (stored encrypted)\n";
  // The run settings show when they differ from the defaults.
  if (d.keep_versions != catalog::kDefaultKeepVersions) {
    std::cout << fmt::format("Keep versions: {}\n", d.keep_versions);
  }
  if (d.retention_months != 0) std::cout << fmt::format("Retention:     {} months\n", d.retention_months);
  if (d.skip_bad_rows) std::cout << "Bad rows:      skipped and counted\n";
  // A schedule in a zone names it in its text; others are UTC.
  std::cout << fmt::format("Schedule:      {}{}\n", d.schedule.ToString(), d.schedule.zone.utc() ? " (UTC)" : "");
  if (d.schedule.start_at) {
    std::cout << fmt::format("Start later:   {}\n", catalog::FormatUtcAndLocal(*d.schedule.start_at));
  }
  std::cout << fmt::format("Retry:         {}\n", d.retry.ToString());
  std::cout << fmt::format("Status:        {}\n", StatusText(d));
  std::cout << fmt::format("Next run:      {}\n", NextRunText(d));
}

void AddDefinitionOptions(CLI::App* cmd, DatasetFlags& flags) {
  app::DatasetFields& f = flags.fields;
  cmd->add_option("--description", f.description, "What the dataset is for");
  cmd->add_option("--account", f.account, "The account to pull with (by name)");
  cmd->add_option("--report-type", f.report_type,
                  "cost-and-usage (a legacy report or a CUR 2.0 / FOCUS export, whichever the name is), "
                  "legacy-cur or data-export");
  cmd->add_option("--filter", f.filter, "all | invoiced | estimated");
  cmd->add_option("--schema", f.schema,
                  "cur (the report's own columns, the default) | focus (FOCUS 1.2 columns from a legacy CUR or CUR "
                  "2.0 report)");
  cmd->add_option("--bucket", f.bucket, "The S3 bucket AWS writes the report to");
  cmd->add_option("--prefix", f.prefix, "The report path prefix in the bucket");
  cmd->add_option("--report", f.report_name, "The report name");
  cmd->add_option("--date", f.duration.date, "A single day: YYYY-MM-DD or Nd (N days back)");
  cmd->add_option("--days-back", f.duration.days_back, "A single day, N days back (the same as --date Nd)");
  cmd->add_option("--start", f.duration.start, "Range start (days back to start from): YYYY-MM-DD or Nd");
  cmd->add_option("--end", f.duration.end, "Range end, included (days back to end at): YYYY-MM-DD or Nd");
  cmd->add_option("--schedule", f.schedule, "e.g. 'every day at 06:00', 'manual', 'cron 0 6 * * 1-5' (UTC), 'every day at 06:00 in Europe/Paris'");
  cmd->add_option("--start-later", flags.start_later, "Run once now, then follow the schedule from 'YYYY-MM-DD HH:MM' UTC");
  cmd->add_option("--retry", f.retry, "'never' or 'always N every INTERVAL' (e.g. 'always 3 every 10m')");
  cmd->add_option("--update-method", f.update_method, "replace | append | partition");
  cmd->add_option("--keep-versions", f.keep_versions, "Earlier dataset versions kept for billpipe restore (default 1)")
      ->check(CLI::Range(0, catalog::kMaxKeepVersions));
  cmd->add_option("--retention-months", f.retention_months,
                  "With --update-method partition: drop periods older than this many months (default 0: keep all)")
      ->check(CLI::Range(0, catalog::kMaxRetentionMonths));
  cmd->add_flag("--skip-bad-rows", flags.skip_bad_rows, "Skip and count malformed rows instead of failing the run");
  cmd->add_option("--to", f.destination,
                  "Destination: sqlite:PATH, postgresql://[user@]host[:port]/db or "
                  "clickhouse://[user@]host[:port][/db][?cluster=NAME] (no password in it); '' for the data "
                  "directory's SQLite file (the default)");
  cmd->add_flag("--to-password-stdin", flags.to_password_stdin,
                "Read the destination's password from standard input; stored encrypted");
  cmd->add_option("--to-password-file", flags.to_password_file,
                  "Read the destination's password from the first line of this file; stored encrypted");
  cmd->add_option("--to-password-env", flags.to_password_env,
                  "Read the destination's password from this environment variable; stored encrypted");
  cmd->add_option("--to-password", flags.refused_password)->group("");
  cmd->add_flag("--no-check", flags.no_check, "Do not check that the report exists in the bucket");
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kNotFound, fmt::format("cannot read {}: no such file or not readable", path));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

void RegisterDatasetCommand(CLI::App& app, CliState& state) {
  auto f = std::make_shared<DatasetFlags>();
  auto* dataset = app.add_subcommand("dataset", "Create, list, change, export and import datasets");
  dataset->require_subcommand(1);
  auto run = [&state](std::function<Status()> body) {
    Status s = body();
    state.exit_code = s ? kExitOk : ReportError(s.error());
  };

  auto* create = dataset->add_subcommand("create", "Create a dataset: details, scheduling, name and description");
  create->add_option("name", f->name, "Dataset name (letters, digits, underscores)")->required();
  AddDefinitionOptions(create, *f);
  create->callback([f, run] {
    run([&]() -> Status {
      BP_RETURN_IF_ERROR(CompleteFields(*f));
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(auto saved, app::CreateDataset(*cat, f->name, f->fields, !f->no_check));
      PrintWarnings(saved.warnings);
      std::cout << fmt::format("Created dataset '{}'. Next run: {}.\n", saved.dataset.name, NextRunText(saved.dataset));
      return Ok();
    });
  });

  auto* list = dataset->add_subcommand("list", "List datasets with their account, schedule and next run");
  list->add_flag("--json", f->json, "Print JSON");
  list->callback([f, run] {
    run([&]() -> Status {
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(auto all, app::ListDatasets(*cat));
      if (f->json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& d : all) arr.push_back(app::DatasetJson(d));
        std::cout << arr.dump(2) << "\n";
        return Ok();
      }
      if (all.empty()) {
        std::cout << "No datasets. Create one with 'billpipe dataset create'.\n";
        return Ok();
      }
      size_t name_w = 4, account_w = 7, schedule_w = 8;
      for (const auto& d : all) {
        name_w = std::max(name_w, d.name.size());
        account_w = std::max(account_w, d.account.empty() ? size_t{6} : d.account.size());
        schedule_w = std::max(schedule_w, d.schedule.ToString().size());
      }
      std::cout << fmt::format("{:<{}}  {:<{}}  {:<{}}  {}\n", "NAME", name_w, "ACCOUNT", account_w, "SCHEDULE",
                               schedule_w, "NEXT RUN");
      for (const auto& d : all) {
        std::string next = d.paused ? StatusText(d) : NextRunText(d);
        std::cout << fmt::format("{:<{}}  {:<{}}  {:<{}}  {}\n", d.name, name_w,
                                 d.account.empty() ? "(none)" : d.account, account_w, d.schedule.ToString(),
                                 schedule_w, next);
      }
      return Ok();
    });
  });

  auto* show = dataset->add_subcommand("show", "Show one dataset");
  show->add_option("name", f->name, "Dataset name")->required();
  show->add_flag("--json", f->json, "Print JSON");
  show->callback([f, run] {
    run([&]() -> Status {
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(auto d, app::GetDataset(*cat, f->name));
      if (f->json) {
        std::cout << app::DatasetJson(d).dump(2) << "\n";
      } else {
        PrintDataset(d);
      }
      return Ok();
    });
  });

  auto* edit = dataset->add_subcommand("edit", "Change a dataset's fields (only those given)");
  edit->add_option("name", f->name, "Dataset name")->required();
  edit->add_option("--name", f->new_name, "Rename the dataset");
  AddDefinitionOptions(edit, *f);
  edit->add_flag("--no-start-later", f->fields.no_start_later, "Follow the schedule from now on");
  edit->add_flag("--no-skip-bad-rows", f->no_skip_bad_rows, "Fail the run on a malformed row (the default)");
  edit->add_flag("--no-to-password", f->no_to_password, "Forget the destination's stored password");
  edit->add_flag("--pause", f->pause, "Pause the schedule");
  edit->add_flag("--resume", f->resume, "Resume the schedule");
  edit->callback([f, run] {
    run([&]() -> Status {
      BP_RETURN_IF_ERROR(CompleteFields(*f));
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      app::DatasetEdit edit;
      edit.fields = f->fields;
      edit.new_name = f->new_name;
      edit.pause = f->pause;
      edit.resume = f->resume;
      edit.no_check = f->no_check;
      BP_ASSIGN_OR_RETURN(auto saved, app::EditDataset(*cat, f->name, edit));
      PrintWarnings(saved.warnings);
      std::cout << fmt::format("Updated dataset '{}'. Next run: {}.\n", saved.dataset.name,
                               NextRunText(saved.dataset));
      return Ok();
    });
  });

  auto* del = dataset->add_subcommand("delete", "Delete a dataset and, after asking, its data");
  del->add_option("name", f->name, "Dataset name")->required();
  del->add_flag("--keep-data", f->keep_data, "Keep the dataset's table; delete only its definition");
  del->add_flag("--yes", f->yes, "Do not ask before dropping the data");
  del->callback([f, run] {
    run([&]() -> Status {
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(auto def, app::GetDataset(*cat, f->name));
      bool drop = !f->keep_data;
      if (drop && !f->yes) {
        if (!StdinIsTerminal()) {
          return Fail(ErrorCode::kInvalidArgument,
                      fmt::format("Deleting '{}' drops its data: confirm with --yes, or keep the data with --keep-data.",
                                  def.name));
        }
        if (!Confirm(fmt::format("Delete dataset '{}' and drop its data?", def.name))) {
          std::cout << "Nothing deleted.\n";
          return Ok();
        }
      }
      BP_ASSIGN_OR_RETURN(std::string dropped_from, app::DeleteDataset(*cat, def.name, drop));
      if (!drop) {
        std::cout << fmt::format("Deleted dataset '{}'; its data is kept.\n", def.name);
      } else if (!dropped_from.empty()) {
        std::cout << fmt::format("Deleted dataset '{}' and dropped its data from {}.\n", def.name, dropped_from);
      } else {
        std::cout << fmt::format("Deleted dataset '{}'; it had no data (it was never loaded).\n", def.name);
      }
      return Ok();
    });
  });

  auto* exp = dataset->add_subcommand("export", "Write a dataset as TOML (no secrets; the account by name)");
  exp->add_option("name", f->name, "Dataset name")->required();
  exp->add_option("-o,--output", f->output, "Write to this file instead of standard output");
  exp->callback([f, run] {
    run([&]() -> Status {
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(auto def, app::GetDataset(*cat, f->name));
      BP_ASSIGN_OR_RETURN(std::string text, app::ExportDataset(*cat, def.name));
      if (f->output.empty()) {
        std::cout << text;
        return Ok();
      }
      std::ofstream out(f->output, std::ios::binary | std::ios::trunc);
      out << text;
      out.close();
      if (!out) return Fail(ErrorCode::kIo, fmt::format("cannot write {}", f->output));
      std::cout << fmt::format("Exported dataset '{}' to {}.\n", def.name, f->output);
      return Ok();
    });
  });

  auto* imp = dataset->add_subcommand("import", "Create (or with --replace, update) a dataset from a TOML file");
  imp->add_option("file", f->file, "The TOML file ('-' for standard input)")->required();
  imp->add_flag("--replace", f->replace, "Replace a dataset of the same name");
  imp->add_flag("--no-check", f->no_check, "Do not check that the report exists in the bucket");
  imp->callback([f, run] {
    run([&]() -> Status {
      std::string text;
      if (f->file == "-") {
        std::stringstream s;
        s << std::cin.rdbuf();
        text = s.str();
      } else {
        BP_ASSIGN_OR_RETURN(text, ReadFile(f->file));
      }
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(auto imported, app::ImportDataset(*cat, text, f->file == "-" ? "<stdin>" : f->file,
                                                            f->replace, !f->no_check));
      const auto& saved = imported.saved;
      const bool exists = imported.replaced;
      PrintWarnings(saved.warnings);
      std::cout << fmt::format("{} dataset '{}'. Next run: {}.\n", exists ? "Updated" : "Imported", saved.dataset.name,
                               NextRunText(saved.dataset));
      return Ok();
    });
  });
  for (auto* sub : dataset->get_subcommands([](CLI::App*) { return true; })) AddHomeOption(sub, &f->home);
}

}  // namespace billpipe::cli
