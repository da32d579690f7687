// billpipe dataset create|list|show|edit|delete|export|import (docs/catalog.md, docs/schedules.md).
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "catalog/dataset_toml.h"
#include "catalog/datasets.h"
#include "cli/catalog_common.h"
#include "cli/catalog_dataset.h"
#include "cli/commands.h"
#include "util/date.h"

namespace billpipe::cli {
namespace {

using catalog::DatasetDefinition;
using catalog::DatasetStore;

struct DatasetFlags {
  std::string home;
  std::string name;
  std::string new_name;
  std::optional<std::string> description;
  std::optional<std::string> account;
  std::optional<std::string> report_type;
  std::optional<std::string> filter;
  std::optional<std::string> bucket;
  std::optional<std::string> prefix;
  std::optional<std::string> report_name;
  catalog::DurationFlags duration;
  std::optional<std::string> schedule;
  std::optional<std::string> start_later;
  bool no_start_later = false;
  std::optional<std::string> retry;
  std::optional<std::string> update_method;
  bool no_check = false;
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

nlohmann::json DatasetJson(const DatasetDefinition& d) {
  nlohmann::json j = {
      {"name", d.name},
      {"description", d.description},
      {"account", d.account.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.account)},
      {"report_type", d.report_type},
      {"filter", std::string(pipeline::FilterName(d.filter))},
      {"bucket", d.bucket},
      {"prefix", d.prefix},
      {"report_name", d.report_name},
      {"duration", {{"start", d.duration.start.ToString()}}},
      {"schedule", d.schedule.ToString()},
      {"retry", d.retry.ToString()},
      {"update_method", std::string(pipeline::UpdateMethodName(d.update_method))},
      {"paused", d.paused},
      {"pause_reason", d.pause_reason},
      {"created_at", FormatTimestamp(d.created_at)},
      {"updated_at", FormatTimestamp(d.updated_at)},
  };
  if (d.duration.end) j["duration"]["end"] = d.duration.end->ToString();
  j["start_at"] = d.schedule.start_at ? nlohmann::json(FormatTimestamp(*d.schedule.start_at)) : nlohmann::json(nullptr);
  j["next_run_at"] = d.next_run_at ? nlohmann::json(FormatTimestamp(*d.next_run_at)) : nlohmann::json(nullptr);
  return j;
}

// Applies the flags that were given to def (create starts from defaults, edit from the stored one).
Status ApplyFlags(const DatasetFlags& f, DatasetDefinition& def) {
  if (f.description) def.description = *f.description;
  if (f.account) def.account = *f.account;
  if (f.report_type) def.report_type = *f.report_type;
  if (f.filter) {
    BP_ASSIGN_OR_RETURN(def.filter, pipeline::ParseFilter(*f.filter));
  }
  if (f.bucket) def.bucket = *f.bucket;
  if (f.prefix) def.prefix = *f.prefix;
  if (f.report_name) def.report_name = *f.report_name;
  if (f.duration.any()) {
    BP_ASSIGN_OR_RETURN(def.duration, catalog::ParseDurationFlags(f.duration));
  }
  if (f.schedule) {
    auto start_at = def.schedule.start_at;
    BP_ASSIGN_OR_RETURN(def.schedule, sched::Schedule::Parse(*f.schedule));
    def.schedule.start_at = start_at;
  }
  if (f.start_later) {
    BP_ASSIGN_OR_RETURN(def.schedule.start_at, ParseUtcDateTime(*f.start_later));
  }
  if (f.no_start_later) def.schedule.start_at.reset();
  if (f.retry) {
    BP_ASSIGN_OR_RETURN(def.retry, sched::RetryPolicy::Parse(*f.retry));
  }
  if (f.update_method) {
    BP_ASSIGN_OR_RETURN(def.update_method, pipeline::ParseUpdateMethod(*f.update_method));
  }
  return Ok();
}

void PrintWarnings(const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) std::cerr << "billpipe: warning: " << w << "\n";
}

std::string NextRunText(const DatasetDefinition& d) {
  if (d.paused) return "paused";
  if (!d.next_run_at) return "manual";
  return sched::FormatUtcAndLocal(*d.next_run_at);
}

void PrintDataset(const DatasetDefinition& d) {
  std::cout << fmt::format("Name:          {}\n", d.name);
  if (!d.description.empty()) std::cout << fmt::format("Description:   {}\n", d.description);
  std::cout << fmt::format("Account:       {}\n", d.account.empty() ? "(none: its account was deleted)" : d.account);
  std::cout << fmt::format("Report type:   {}\n", d.report_type);
  std::cout << fmt::format("Report:        s3://{}/{}{}{}\n", d.bucket, d.prefix, d.prefix.empty() ? "" : "/",
                           d.report_name);
  std::cout << fmt::format("Filter:        {}\n", pipeline::FilterName(d.filter));
  std::cout << fmt::format("Duration:      {}\n", catalog::DurationToString(d.duration));
  std::cout << fmt::format("Update method: {}\n", pipeline::UpdateMethodName(d.update_method));
  std::cout << fmt::format("Schedule:      {} (UTC)\n", d.schedule.ToString());
  if (d.schedule.start_at) {
    std::cout << fmt::format("Start later:   {}\n", sched::FormatUtcAndLocal(*d.schedule.start_at));
  }
  std::cout << fmt::format("Retry:         {}\n", d.retry.ToString());
  std::cout << fmt::format("Status:        {}\n", StatusText(d));
  std::cout << fmt::format("Next run:      {}\n", NextRunText(d));
}

void AddDefinitionOptions(CLI::App* cmd, DatasetFlags& f) {
  cmd->add_option("--description", f.description, "What the dataset is for");
  cmd->add_option("--account", f.account, "The account to pull with (by name)");
  cmd->add_option("--report-type", f.report_type, "cost-and-usage (the only one for now)");
  cmd->add_option("--filter", f.filter, "all | invoiced | estimated");
  cmd->add_option("--bucket", f.bucket, "The S3 bucket AWS writes the report to");
  cmd->add_option("--prefix", f.prefix, "The report path prefix in the bucket");
  cmd->add_option("--report", f.report_name, "The report name");
  cmd->add_option("--date", f.duration.date, "A single day: YYYY-MM-DD or Nd (N days back)");
  cmd->add_option("--days-back", f.duration.days_back, "From N days back to today");
  cmd->add_option("--start", f.duration.start, "Range start: YYYY-MM-DD or Nd");
  cmd->add_option("--end", f.duration.end, "Range end (included): YYYY-MM-DD or Nd");
  cmd->add_option("--schedule", f.schedule, "e.g. 'every day at 06:00', 'manual', 'cron 0 6 * * 1-5' (UTC)");
  cmd->add_option("--start-later", f.start_later, "Run once now, then follow the schedule from 'YYYY-MM-DD HH:MM' UTC");
  cmd->add_option("--retry", f.retry, "'never' or 'always N every INTERVAL' (e.g. 'always 3 every 10m')");
  cmd->add_option("--update-method", f.update_method, "replace | append | partition");
  cmd->add_flag("--no-check", f.no_check, "Do not check that the report exists in the bucket");
}

// Creates (existing empty) or updates a dataset; with check, keeps it only once its report was found in the
// bucket with its account's credentials. Saving and checking share one catalog transaction, rolled back when
// the check fails: every field is validated before any request, and the check reads the stored (normalised)
// definition.
Result<DatasetStore::Saved> SaveChecked(catalog::Catalog& cat, const DatasetDefinition& def,
                                        const std::optional<std::string>& existing, bool check) {
  DatasetStore store(cat);
  DatasetStore::Saved saved;
  BP_RETURN_IF_ERROR(cat.InTransaction([&]() -> Status {
    BP_ASSIGN_OR_RETURN(saved, existing ? store.Update(*existing, def) : store.Create(def));
    if (!check) return Ok();
    return CheckDatasetReport(cat, saved.dataset);
  }));
  return saved;
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
      DatasetDefinition def;
      def.name = f->name;
      BP_ASSIGN_OR_RETURN(def.duration, catalog::ParseDurationFlags(f->duration));  // required on create
      BP_RETURN_IF_ERROR(ApplyFlags(*f, def));
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      BP_ASSIGN_OR_RETURN(auto saved, SaveChecked(*cat, def, /*existing=*/std::nullopt, !f->no_check));
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
      BP_ASSIGN_OR_RETURN(auto all, DatasetStore(*cat).List());
      if (f->json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& d : all) arr.push_back(DatasetJson(d));
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
      BP_ASSIGN_OR_RETURN(auto d, DatasetStore(*cat).Get(f->name));
      if (f->json) {
        std::cout << DatasetJson(d).dump(2) << "\n";
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
  edit->add_flag("--no-start-later", f->no_start_later, "Follow the schedule from now on");
  edit->add_flag("--pause", f->pause, "Pause the schedule");
  edit->add_flag("--resume", f->resume, "Resume the schedule");
  edit->callback([f, run] {
    run([&]() -> Status {
      if (f->pause && f->resume) return Fail(ErrorCode::kInvalidArgument, "Give --pause or --resume, not both.");
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      DatasetStore store(*cat);
      BP_ASSIGN_OR_RETURN(auto def, store.Get(f->name));
      BP_RETURN_IF_ERROR(ApplyFlags(*f, def));
      if (!f->new_name.empty()) def.name = f->new_name;
      if (f->pause) {
        def.paused = true;
        def.pause_reason = "paused by the user";
      }
      if (f->resume) {
        def.paused = false;
        def.pause_reason.clear();
      }
      // The report is checked again when what locates it (or the credentials to read it) changed.
      bool located = f->account || f->bucket || f->prefix || f->report_name;
      BP_ASSIGN_OR_RETURN(auto saved, SaveChecked(*cat, def, f->name, located && !f->no_check));
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
      DatasetStore store(*cat);
      BP_ASSIGN_OR_RETURN(auto def, store.Get(f->name));
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
      // The data first: if dropping fails the definition is still there to try again.
      std::string dropped_from;
      if (drop) {
        BP_ASSIGN_OR_RETURN(dropped_from, DropCatalogDatasetData(cat->home(), def.name));
      }
      BP_RETURN_IF_ERROR(store.Delete(def.name));
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
      BP_ASSIGN_OR_RETURN(auto def, DatasetStore(*cat).Get(f->name));
      std::string text = catalog::DatasetToToml(def);
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
      BP_ASSIGN_OR_RETURN(auto def, catalog::DatasetFromToml(text, f->file == "-" ? "<stdin>" : f->file));
      BP_ASSIGN_OR_RETURN(auto cat, OpenCatalog(f->home));
      DatasetStore store(*cat);
      bool exists = static_cast<bool>(store.Get(def.name));
      if (exists && !f->replace) {
        return Fail(ErrorCode::kConflict,
                    fmt::format("A dataset named '{}' already exists. Use --replace to update it from the file.",
                                def.name));
      }
      BP_ASSIGN_OR_RETURN(auto saved, SaveChecked(*cat, def, exists ? std::optional<std::string>(def.name)
                                                                     : std::nullopt,
                                                  !f->no_check));
      PrintWarnings(saved.warnings);
      std::cout << fmt::format("{} dataset '{}'. Next run: {}.\n", exists ? "Updated" : "Imported", saved.dataset.name,
                               NextRunText(saved.dataset));
      return Ok();
    });
  });
  for (auto* sub : dataset->get_subcommands([](CLI::App*) { return true; })) AddHomeOption(sub, &f->home);
}

}  // namespace billpipe::cli
