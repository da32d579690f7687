#include "sink/clickhouse_http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>

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

namespace {

// One POST to url on curl (reset first); body sets how the body is sent. The answer's body, or the error:
// kRetryable when the server did not answer, else what the server said.
template <typename SetBody>
Result<std::string> Perform(CURL* curl, const std::string& url, const ClickHouseLogin& login,
                            const std::string& base_url, std::string_view what, SetBody&& set_body) {
  curl_easy_reset(curl);
  std::string response;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_slist* headers = set_body(curl);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, kLowSpeedSeconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (!login.user.empty()) {
    // Basic authentication (the HTTP interface's since long before 18.16): never the URL, which servers log.
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(curl, CURLOPT_USERNAME, login.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, login.password.c_str());
  }
  CURLcode rc = curl_easy_perform(curl);
  if (headers) curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    return Fail(ErrorCode::kRetryable, fmt::format("ClickHouse at {} did not answer while {}: {}", base_url, what,
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
    return Fail(code, fmt::format("ClickHouse at {} refused {}: {}", base_url, what, ServerMessage(response)));
  }
  return response;
}

}  // namespace

Result<std::string> ClickHouseServer::Post(const std::string& url, std::string_view body, std::string_view what) {
  return Perform(static_cast<CURL*>(curl_), url, login_, base_url_, what, [&](CURL* curl) -> curl_slist* {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    return nullptr;
  });
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

std::string ClickHouseServer::InsertUrl(std::string_view insert_sql, const std::vector<std::string>& settings) const {
  CURL* curl = static_cast<CURL*>(curl_);
  char* q = curl_easy_escape(curl, insert_sql.data(), static_cast<int>(insert_sql.size()));
  char* db = curl_easy_escape(curl, database_.c_str(), static_cast<int>(database_.size()));
  std::string url = fmt::format("{}/?database={}&query={}", base_url_, db, q);
  curl_free(q);
  curl_free(db);
  for (const auto& s : settings) url += "&" + s;
  return url;
}

Status ClickHouseServer::Insert(std::string_view insert_sql, std::string_view data,
                                const std::vector<std::string>& settings) {
  BP_RETURN_IF_ERROR(Post(InsertUrl(insert_sql, settings), data, "an INSERT of rows"));
  return Ok();
}

std::unique_ptr<ClickHouseInsertStream> ClickHouseServer::StartInsert(std::string_view insert_sql,
                                                                      const std::vector<std::string>& settings) {
  auto stream = std::unique_ptr<ClickHouseInsertStream>(
      new ClickHouseInsertStream(base_url_, InsertUrl(insert_sql, settings), login_));
  stream->thread_ = std::thread([s = stream.get()] { s->Send(); });
  return stream;
}

ClickHouseInsertStream::ClickHouseInsertStream(std::string base_url, std::string url, ClickHouseLogin login)
    : base_url_(std::move(base_url)), url_(std::move(url)), login_(std::move(login)) {}

ClickHouseInsertStream::~ClickHouseInsertStream() {
  {
    std::lock_guard lock(mu_);
    if (!closed_) aborted_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t ClickHouseInsertStream::ReadBody(char* buffer, size_t size, size_t count, void* self) {
  auto* s = static_cast<ClickHouseInsertStream*>(self);
  std::unique_lock lock(s->mu_);
  s->cv_.wait(lock, [&] { return s->aborted_ || s->closed_ || !s->queue_.empty(); });
  if (s->aborted_) return CURL_READFUNC_ABORT;
  if (s->queue_.empty()) return 0;  // closed: the end of the body
  std::string& front = s->queue_.front();
  const size_t n = std::min(size * count, front.size() - s->offset_);
  std::memcpy(buffer, front.data() + s->offset_, n);
  s->offset_ += n;
  if (s->offset_ == front.size()) {
    s->queued_ -= front.size();
    s->queue_.pop_front();
    s->offset_ = 0;
    lock.unlock();
    s->cv_.notify_all();
  }
  return n;
}

void ClickHouseInsertStream::Send() {
  CURL* curl = curl_easy_init();
  Result<std::string> out = Fail(ErrorCode::kIo, "cannot create an HTTP handle (libcurl)");
  if (curl) {
    out = Perform(curl, url_, login_, base_url_, "an INSERT of rows", [&](CURL* c) -> curl_slist* {
      curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadBody);
      curl_easy_setopt(c, CURLOPT_READDATA, this);
      // The size is not known: chunked; and no "Expect: 100-continue" round trip before the body.
      curl_slist* headers = curl_slist_append(nullptr, "Transfer-Encoding: chunked");
      headers = curl_slist_append(headers, "Expect:");
      curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
      return headers;
    });
    curl_easy_cleanup(curl);
  }
  {
    std::lock_guard lock(mu_);
    done_ = true;
    if (!out) error_ = std::move(out.error());
    queue_.clear();
    queued_ = 0;
  }
  cv_.notify_all();
}

Status ClickHouseInsertStream::Write(std::string data) {
  if (data.empty()) return Ok();
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return done_ || queued_ < kMaxQueuedBytes; });
  if (done_) {
    if (error_) return Fail(*error_);
    return Fail(ErrorCode::kIo, fmt::format("ClickHouse at {} ended an INSERT before its rows were sent", base_url_));
  }
  queued_ += data.size();
  queue_.push_back(std::move(data));
  lock.unlock();
  cv_.notify_all();
  return Ok();
}

Status ClickHouseInsertStream::Finish() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (error_) return Fail(*error_);
  return Ok();
}

}  // namespace billpipe::sink
