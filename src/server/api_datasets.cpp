// /api/datasets: the Data Center list (each dataset with its last run, next run, line items and the
// current month's cost), create, show, edit, delete; the Load Preview (of a saved dataset, and of a
// draft: POST /api/preview); periods; cost series for charts.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "app/costs.h"
#include "app/dataset_document.h"
#include "app/datasets.h"
#include "app/runs.h"
#include "catalog/runs.h"
#include "server/routes.h"
#include "util/date.h"

namespace billpipe::server {
namespace {

constexpr size_t kDefaultPreviewRows = 10;
constexpr size_t kMaxPreviewRows = 100;

size_t PreviewRows(const httplib::Request& req) {
  if (!req.has_param("rows")) return kDefaultPreviewRows;
  long n = std::atol(req.get_param_value("rows").c_str());
  return static_cast<size_t>(std::clamp<long>(n, 1, static_cast<long>(kMaxPreviewRows)));
}

// The dataset's status in its own destination (the data directory's SQLite file unless it names another);
// state.exists false when nothing was loaded (a SQLite destination's file is not created by looking).
Result<app::DatasetStatus> LoadedStatus(catalog::Catalog& cat, const catalog::DatasetDefinition& def) {
  BP_ASSIGN_OR_RETURN(app::CatalogDestinationInfo where, app::DatasetDestination(cat, def));
  if (where.destination.starts_with("sqlite:") && !std::filesystem::exists(where.destination.substr(7))) {
    app::DatasetStatus none;
    none.dataset = def.name;
    return none;
  }
  return app::GetDatasetStatus(where.destination, def.name, where.password);
}

nlohmann::ordered_json PeriodsJson(const app::DatasetStatus& status) {
  nlohmann::ordered_json periods = nlohmann::ordered_json::array();
  for (const auto& s : status.state.current_segments) {
    nlohmann::ordered_json p;
    p["period"] = s.key.billing_period.substr(0, 7);
    p["billing_period"] = s.key.billing_period;
    p["status"] = std::string(sink::FinalityName(s.finality));
    p["line_items"] = s.line_items;
    p["unblended_cost"] = s.total;
    p["version"] = s.key.version_key;
    p["window"] = s.key.window_start + " to " + s.key.window_end;
    p["loaded_at"] = s.loaded_at;
    periods.push_back(std::move(p));
  }
  return periods;
}

// What the Data Center's list shows of one dataset besides its document.
nlohmann::ordered_json Overview(const Context& ctx, catalog::Catalog& cat, const catalog::DatasetDefinition& def) {
  nlohmann::ordered_json j = app::DatasetDocumentJson(def);
  auto runs = app::ListRuns(cat, def.name, 1);
  j["last_run"] = runs && !runs->empty() ? nlohmann::ordered_json(app::RunRecordJson(runs->front())) : nlohmann::ordered_json();
  auto live = ctx.options.runs->Running(def.name);
  j["running_run_id"] = live ? nlohmann::ordered_json(live->run_id) : nlohmann::ordered_json();
  int64_t line_items = 0;
  nlohmann::ordered_json month_cost = nullptr;
  std::string this_month = FormatTimestamp(Clock::System().Now()).substr(0, 7);
  if (auto status = LoadedStatus(cat, def); status && status->state.exists) {
    for (const auto& s : status->state.current_segments) {
      line_items += s.line_items;
      if (s.key.billing_period.starts_with(this_month)) month_cost = s.total;
    }
  }
  j["line_items"] = line_items;
  j["month"] = this_month;
  j["month_cost"] = month_cost;
  return j;
}

}  // namespace

void AddDatasetRoutes(httplib::Server& http, Context& ctx) {
  http.Get("/api/datasets", [&ctx](const httplib::Request&, httplib::Response& res) {
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    auto list = app::ListDatasets(**cat);
    if (!list) return SendError(res, list.error());
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& d : *list) out.push_back(Overview(ctx, **cat, d));
    SendJson(res, 200, out);
  });

  // ?check=false saves without looking for the report in the bucket.
  http.Post("/api/datasets", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req);
    if (!body) return SendError(res, body.error());
    auto doc = app::DatasetDocumentFromJson(*body);
    if (!doc) return SendError(res, doc.error());
    if (doc->name.empty()) return SendError(res, 400, "invalid_argument", "Give the dataset a name.");
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    auto saved = app::CreateDataset(**cat, doc->name, doc->fields, req.get_param_value("check") != "false");
    if (!saved) return SendError(res, saved.error());
    nlohmann::ordered_json j = app::DatasetDocumentJson(saved->dataset);
    j["warnings"] = saved->warnings;
    SendJson(res, 201, j);
  });

  http.Post("/api/preview", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req);
    if (!body) return SendError(res, body.error());
    auto doc = app::DatasetDocumentFromJson(*body);
    if (!doc) return SendError(res, doc.error());
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    auto preview = app::PreviewDraft(**cat, doc->fields, PreviewRows(req));
    if (!preview) return SendError(res, preview.error());
    res.status = 200;
    res.set_content(pipeline::PreviewJson(*preview), "application/json; charset=utf-8");
  });

  http.Get(R"(/api/datasets/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    auto def = app::GetDataset(**cat, req.matches[1]);
    if (!def) return SendError(res, def.error());
    SendJson(res, 200, Overview(ctx, **cat, *def));
  });

  // The document's fields replace the stored ones (absent fields are kept); a different "name" renames;
  // "paused" pauses or resumes.
  http.Put(R"(/api/datasets/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req);
    if (!body) return SendError(res, body.error());
    auto doc = app::DatasetDocumentFromJson(*body);
    if (!doc) return SendError(res, doc.error());
    std::string name = req.matches[1];
    app::DatasetEdit edit;
    edit.fields = doc->fields;
    if (!doc->name.empty() && doc->name != name) edit.new_name = doc->name;
    if (doc->paused) (*doc->paused ? edit.pause : edit.resume) = true;
    edit.no_check = req.get_param_value("check") == "false";
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    // Pausing an already paused dataset (or resuming a running one) is no change.
    if (auto current = app::GetDataset(**cat, name); current && doc->paused && *doc->paused == current->paused) {
      edit.pause = edit.resume = false;
    }
    auto saved = app::EditDataset(**cat, name, edit);
    if (!saved) return SendError(res, saved.error());
    nlohmann::ordered_json j = app::DatasetDocumentJson(saved->dataset);
    j["warnings"] = saved->warnings;
    SendJson(res, 200, j);
  });

  // ?drop_data=true drops its data too.
  http.Delete(R"(/api/datasets/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    std::string name = req.matches[1];
    if (ctx.options.runs->Running(name)) {
      return SendError(res, 409, "conflict", fmt::format("Dataset '{}' is running: delete it after its run.", name));
    }
    auto dropped = app::DeleteDataset(**cat, name, req.get_param_value("drop_data") == "true");
    if (!dropped) return SendError(res, dropped.error());
    SendJson(res, 200, nlohmann::json{{"deleted", name}, {"dropped_from", *dropped}});
  });

  http.Get(R"(/api/datasets/([^/]+)/preview)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    std::string name = req.matches[1];
    if (auto def = app::GetDataset(**cat, name); !def) return SendError(res, def.error());
    cat->reset();
    auto preview = app::PreviewCatalogDataset(ctx.options.home, name, PreviewRows(req));
    if (!preview) return SendError(res, preview.error());
    res.status = 200;
    res.set_content(pipeline::PreviewJson(*preview), "application/json; charset=utf-8");
  });

  http.Get(R"(/api/datasets/([^/]+)/periods)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    std::string name = req.matches[1];
    auto def = app::GetDataset(**cat, name);
    if (!def) return SendError(res, def.error());
    auto status = LoadedStatus(**cat, *def);
    if (!status) return SendError(res, status.error());
    nlohmann::ordered_json j;
    j["dataset"] = name;
    j["loaded"] = status->state.exists;
    j["version"] = status->state.current ? status->state.current->version : 0;
    j["periods"] = PeriodsJson(*status);
    SendJson(res, 200, j);
  });

  http.Get(R"(/api/datasets/([^/]+)/costs)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    std::string name = req.matches[1];
    auto def = app::GetDataset(**cat, name);
    if (!def) return SendError(res, def.error());
    auto where = app::DatasetDestination(**cat, *def);
    if (!where) return SendError(res, where.error());
    app::CostQuery q;
    if (req.has_param("group_by")) q.group_by = req.get_param_value("group_by");
    if (req.has_param("granularity")) q.granularity = req.get_param_value("granularity");
    q.start = req.get_param_value("start");
    q.end = req.get_param_value("end");
    if (req.has_param("source")) q.source = req.get_param_value("source");
    auto series = app::DatasetCosts(where->destination, name, q);
    if (!series) return SendError(res, series.error());
    res.set_header("X-Billpipe-Costs-Source", series->source);  // rollup | rows (docs/datacenter.md)
    SendJson(res, 200, app::CostsJson(*series));
  });
}

}  // namespace billpipe::server
