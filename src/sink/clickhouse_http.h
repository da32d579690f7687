// ClickHouse's HTTP interface (https://clickhouse.com/docs/en/interfaces/http), as the ClickHouse sink
// uses it: one statement per POST, results in TabSeparated. A small libcurl use of its own: sink/ does
// not depend on s3/.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace billpipe::sink {

// Quotes a ClickHouse identifier: `na\`me`.
std::string ChIdent(std::string_view name);
// Quotes a string literal: 'it\'s', backslashes escaped.
std::string ChLiteral(std::string_view text);
// Appends text escaped for the TabSeparated format (backslash, tab, newline, carriage return, NUL).
void AppendTsvText(std::string& out, std::string_view text);
// Splits TabSeparated output into rows of unescaped fields.
std::vector<std::vector<std::string>> ParseTsv(std::string_view body);

// Who billpipe is to the server: sent with HTTP basic authentication when user or password is set
// (ClickHouse's `default` user when only a password is). Both empty: no authentication (the default user
// without a password).
struct ClickHouseLogin {
  std::string user;
  std::string password;
};

// One server's HTTP interface. Not thread-safe.
class ClickHouseServer {
 public:
  // base_url: "http://host:port"; database: the statements' default database.
  static Result<std::unique_ptr<ClickHouseServer>> Make(std::string base_url, std::string database,
                                                        ClickHouseLogin login = {});
  ~ClickHouseServer();
  ClickHouseServer(const ClickHouseServer&) = delete;
  ClickHouseServer& operator=(const ClickHouseServer&) = delete;

  const std::string& base_url() const { return base_url_; }

  // Runs one statement (in the POST body) and returns its output (TabSeparated unless it says FORMAT).
  // Errors: the server's exception text (kIo, kInvalidArgument for a bad statement); a server that cannot
  // be reached or stops answering: kRetryable.
  Result<std::string> Run(std::string_view sql);
  // INSERT ... FORMAT TabSeparated with data as the body; settings are URL parameters ("name=value").
  Status Insert(std::string_view insert_sql, std::string_view data, const std::vector<std::string>& settings = {});

 private:
  ClickHouseServer(void* curl, std::string base_url, std::string database, ClickHouseLogin login);
  Result<std::string> Post(const std::string& url, std::string_view body, std::string_view what);
  void* curl_;
  std::string base_url_, database_;
  ClickHouseLogin login_;
};

}  // namespace billpipe::sink
