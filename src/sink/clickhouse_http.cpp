#include "sink/clickhouse_http.h"

#include <curl/curl.h>

#include <fmt/format.h>

namespace billpipe::sink {
namespace {

constexpr long kConnectTimeoutSeconds = 10;
// A statement that transfers nothing for this long has lost its server (a kill -STOP, a cut cable).
constexpr long kLowSpeedSeconds = 120;

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// "Code: 60, e.displayText() = DB::Exception: Table x doesn't exist., e.what() = DB::Exception" →
// "Table x doesn't exist. (code 60)".
std::string ServerMessage(std::string body) {
  while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
  std::string code;
  if (body.starts_with("Code: ")) code = body.substr(6, body.find(',') - 6);
  auto start = body.find("DB::Exception: ");
  if (start != std::string::npos) body = body.substr(start + 15);
  auto end = body.rfind(", e.what() = ");
  if (end != std::string::npos) body.resize(end);
  constexpr size_t kMax = 500;
  if (body.size() > kMax) body = body.substr(0, kMax) + "...";
  return code.empty() ? body : fmt::format("{} (code {})", body, code);
}

}  // namespace

std::string ChIdent(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`' || c == '\\') out += '\\';
    out += c;
  }
  return out + "`";
}

std::string ChLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

void AppendTsvText(std::string& out, std::string_view text) {
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char esc = 0;
    switch (text[i]) {
      case '\\': esc = '\\'; break;
      case '\t': esc = 't'; break;
      case '\n': esc = 'n'; break;
      case '\r': esc = 'r'; break;
      case '\0': esc = '0'; break;
      default: continue;
    }
    out.append(text.substr(start, i - start));
    out += '\\';
    out += esc;
    start = i + 1;
  }
  out.append(text.substr(start));
}

std::vector<std::vector<std::string>> ParseTsv(std::string_view body) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\\' && i + 1 < body.size()) {
      char e = body[++i];
      switch (e) {
        case 't': field += '\t'; break;
        case 'n': field += '\n'; break;
        case 'r': field += '\r'; break;
        case '0': field += '\0'; break;
        case 'b': field += '\b'; break;
        case 'f': field += '\f'; break;
        case 'N': field += "\\N"; break;  // NULL stays recognisable
        default: field += e;
      }
    } else if (c == '\t') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
    }
  }
  return rows;
}

ClickHouseServer::ClickHouseServer(void* curl, std::string base_url, std::string database, ClickHouseLogin login)
    : curl_(curl), base_url_(std::move(base_url)), database_(std::move(database)), login_(std::move(login)) {}

ClickHouseServer::~ClickHouseServer() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Result<std::unique_ptr<ClickHouseServer>> ClickHouseServer::Make(std::string base_url, std::string database,
                                                                 ClickHouseLogin login) {
  CURL* curl = curl_easy_init();
  if (!curl) return Fail(ErrorCode::kIo, "cannot create an HTTP handle (libcurl)");
  if (login.user.empty() && !login.password.empty()) login.user = "default";
  return std::unique_ptr<ClickHouseServer>(
      new ClickHouseServer(curl, std::move(base_url), std::move(database), std::move(login)));
}

Result<std::string> ClickHouseServer::Post(const std::string& url, std::string_view body, std::string_view what) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  std::string response;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, kLowSpeedSeconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (!login_.user.empty()) {
    // Basic authentication (the HTTP interface's since long before 18.16): never the URL, which servers log.
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(curl, CURLOPT_USERNAME, login_.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, login_.password.c_str());
  }
  CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    return Fail(ErrorCode::kRetryable, fmt::format("ClickHouse at {} did not answer while {}: {}", base_url_, what,
                                                   error[0] ? error : curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    ErrorCode code = status >= 500 ? ErrorCode::kIo : ErrorCode::kInvalidArgument;
    if (status == 401 || status == 403 || response.find("Code: 516") == 0 || response.find("Code: 192") == 0 ||
        response.find("Code: 193") == 0 || response.find("Code: 194") == 0) {  // unknown user, wrong / no password
      code = ErrorCode::kAuth;
    }
    return Fail(code, fmt::format("ClickHouse at {} refused {}: {}", base_url_, what, ServerMessage(response)));
  }
  return response;
}

Result<std::string> ClickHouseServer::Run(std::string_view sql) {
  char* db = curl_easy_escape(static_cast<CURL*>(curl_), database_.c_str(), static_cast<int>(database_.size()));
  std::string url = fmt::format("{}/?database={}", base_url_, db);
  curl_free(db);
  std::string what(sql.substr(0, 60));
  for (char& c : what) {
    if (c == '\n') c = ' ';
  }
  return Post(url, sql, fmt::format("'{}{}'", what, sql.size() > 60 ? "..." : ""));
}

Status ClickHouseServer::Insert(std::string_view insert_sql, std::string_view data,
                                const std::vector<std::string>& settings) {
  CURL* curl = static_cast<CURL*>(curl_);
  char* q = curl_easy_escape(curl, insert_sql.data(), static_cast<int>(insert_sql.size()));
  char* db = curl_easy_escape(curl, database_.c_str(), static_cast<int>(database_.size()));
  std::string url = fmt::format("{}/?database={}&query={}", base_url_, db, q);
  curl_free(q);
  curl_free(db);
  for (const auto& s : settings) url += "&" + s;
  BP_RETURN_IF_ERROR(Post(url, data, "an INSERT of rows"));
  return Ok();
}

}  // namespace billpipe::sink
