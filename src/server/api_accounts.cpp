// /api/accounts: list, add (tested first), show, edit or rename (tested), delete, test; and
// /api/reports (the Report Name menu read with an account). Fields as `account show --json` names
// them, plus secret_access_key (and session_token) on input only.
#include <set>

#include <fmt/format.h>

#include "app/accounts.h"
#include "app/reports.h"
#include "s3/bucket_name.h"
#include "server/routes.h"

namespace billpipe::server {
namespace {

// The account fields of a request body; unknown keys and wrong types refused, naming them.
Result<catalog::AccountInput> AccountInputFromJson(const nlohmann::json& body, std::string* test_bucket) {
  if (!body.is_object()) return Fail(ErrorCode::kInvalidArgument, "The account must be a JSON object.");
  static const std::set<std::string> kFields = {
      "name",     "access_key_id", "secret_access_key", "session_token", "profile",          "region",
      "endpoint", "test_bucket",   "role_arn",          "external_id",   "session_name",     "duration_seconds",
      "source_account"};
  catalog::AccountInput in;
  for (const auto& [key, value] : body.items()) {
    if (!kFields.count(key)) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("'{}' is not an account field (the fields are name, access_key_id, secret_access_key, "
                              "session_token, profile, region, endpoint, test_bucket, and for a role account "
                              "role_arn, external_id, session_name, duration_seconds, source_account)",
                              key.substr(0, 60)));
    }
    if (value.is_null()) continue;
    if (key == "duration_seconds") {
      if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > 43200) {
        return Fail(ErrorCode::kInvalidArgument, "duration_seconds must be a whole number of seconds (at most 43200)");
      }
      in.duration_seconds = static_cast<int>(value.get<int64_t>());
      continue;
    }
    if (!value.is_string()) return Fail(ErrorCode::kInvalidArgument, fmt::format("{} must be a string", key));
    std::string v = value.get<std::string>();
    if (key == "name") in.name = v;
    if (key == "access_key_id") in.access_key_id = v;
    if (key == "secret_access_key") in.secret_access_key = v;
    if (key == "session_token") in.session_token = v;
    if (key == "profile") in.profile = v;
    if (key == "region") in.region = v;
    if (key == "endpoint") in.endpoint = v;
    if (key == "test_bucket" && test_bucket != nullptr) *test_bucket = v;
    if (key == "role_arn") in.role_arn = v;
    if (key == "external_id") in.external_id = v;
    if (key == "session_name") in.session_name = v;
    if (key == "source_account") in.source_account = v;
  }
  return in;
}

nlohmann::json WithCheck(const catalog::Account& account, const std::optional<catalog::CredentialCheck>& check) {
  nlohmann::json j = app::AccountJson(account);
  j["check"] = check ? nlohmann::json(catalog::DescribeCheck(*check)) : nlohmann::json();
  return j;
}

}  // namespace

void AddAccountRoutes(httplib::Server& http, Context& ctx) {
  http.Get("/api/accounts", [&ctx](const httplib::Request&, httplib::Response& res) {
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    auto accounts = app::ListAccounts(**cat);
    if (!accounts) return SendError(res, accounts.error());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& a : *accounts) out.push_back(app::AccountJson(a));
    SendJson(res, 200, out);
  });

  http.Post("/api/accounts", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req);
    if (!body) return SendError(res, body.error());
    app::CredentialTest test;
    auto in = AccountInputFromJson(*body, &test.bucket);
    if (!in) return SendError(res, in.error());
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    auto added = app::AddAccount(**cat, *in, test);
    if (!added) return SendError(res, added.error());
    SendJson(res, 201, WithCheck(added->account, added->check));
  });

  http.Get(R"(/api/accounts/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    auto account = app::GetAccount(**cat, req.matches[1]);
    if (!account) return SendError(res, account.error());
    SendJson(res, 200, app::AccountJson(*account));
  });

  // Renames when "name" differs; replaces (and tests) the other fields given.
  http.Patch(R"(/api/accounts/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req);
    if (!body) return SendError(res, body.error());
    app::CredentialTest test;
    auto in = AccountInputFromJson(*body, &test.bucket);
    if (!in) return SendError(res, in.error());
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    std::string name = req.matches[1];
    std::optional<std::string> rename = in->name;
    in->name.reset();
    if (rename && *rename == name) rename.reset();
    bool edits = in->access_key_id || in->secret_access_key || in->session_token || in->profile || in->region ||
                 in->endpoint;
    if (edits) {
      auto edited = app::EditAccount(**cat, name, *in, test);
      if (!edited) return SendError(res, edited.error());
    }
    if (rename) {
      if (Status s = app::RenameAccount(**cat, name, *rename); !s) return SendError(res, s.error());
      name = *rename;
    }
    auto account = app::GetAccount(**cat, name);
    if (!account) return SendError(res, account.error());
    SendJson(res, 200, app::AccountJson(*account));
  });

  // Refused while datasets use the account (409 naming them).
  http.Delete(R"(/api/accounts/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    auto deleted = app::DeleteAccount(**cat, req.matches[1], false);
    if (!deleted) return SendError(res, deleted.error());
    SendJson(res, 200, nlohmann::json{{"deleted", std::string(req.matches[1])}});
  });

  http.Post(R"(/api/accounts/([^/]+)/test)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req);
    if (!body) return SendError(res, body.error());
    std::string bucket = body->is_object() ? body->value("bucket", "") : "";
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    auto check = app::TestAccount(**cat, req.matches[1], bucket);
    if (!check) return SendError(res, check.error());
    SendJson(res, 200, nlohmann::json{{"status", "ok"}, {"check", catalog::DescribeCheck(*check)}});
  });

  // The Bucket Name field's check as a person types: the rule's message, before any request to S3.
  http.Get("/api/check/bucket", [](const httplib::Request& req, httplib::Response& res) {
    if (Status s = s3::ValidateBucketName(req.get_param_value("name")); !s) return SendError(res, s.error());
    SendJson(res, 200, nlohmann::json{{"status", "ok"}});
  });

  http.Get("/api/reports", [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto cat = OpenRequestCatalog(ctx);
    if (!cat) return SendError(res, cat.error());
    auto found = app::DiscoverReportsWithAccount(**cat, req.get_param_value("account"),
                                                 req.get_param_value("bucket"), req.get_param_value("prefix"));
    if (!found) return SendError(res, found.error());
    SendJson(res, 200, app::ReportsJson(*found));
  });
}

}  // namespace billpipe::server
