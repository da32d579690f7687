// ClickHouse's HTTP interface (https://clickhouse.com/docs/en/interfaces/http), as the ClickHouse sink
// uses it: one statement per POST, results in TabSeparated. A small libcurl use of its own: sink/ does
// not depend on s3/.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
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

// One INSERT whose body is sent while it is written: a POST with chunked transfer encoding, on a thread of
// its own with its own connection, so that the server parses rows while billpipe encodes the next ones and
// several servers receive at once. The server makes parts of max_insert_block_size rows as they arrive.
class ClickHouseInsertStream {
 public:
  ~ClickHouseInsertStream();  // an unfinished stream is cut off: the server fails the INSERT
  ClickHouseInsertStream(const ClickHouseInsertStream&) = delete;
  ClickHouseInsertStream& operator=(const ClickHouseInsertStream&) = delete;

  // Hands data to the sender; waits while more than kMaxQueuedBytes wait to be sent. Fails when the
  // INSERT already failed (the server refused it or went away).
  Status Write(std::string data);
  // Ends the body and waits for the server's answer.
  Status Finish();
  const std::string& base_url() const { return base_url_; }

  static constexpr size_t kMaxQueuedBytes = 4 << 20;

 private:
  friend class ClickHouseServer;
  ClickHouseInsertStream(std::string base_url, std::string url, ClickHouseLogin login);
  void Send();
  static size_t ReadBody(char* buffer, size_t size, size_t count, void* self);

  std::string base_url_, url_;
  ClickHouseLogin login_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // data not sent yet; the front's first offset_ bytes are sent
  size_t offset_ = 0, queued_ = 0;
  bool closed_ = false;   // no more data
  bool aborted_ = false;  // cut off
  bool done_ = false;     // the POST ended; error_ says how
  std::optional<Error> error_;
  std::thread thread_;
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
  // The same INSERT with its data written as it comes (see ClickHouseInsertStream).
  std::unique_ptr<ClickHouseInsertStream> StartInsert(std::string_view insert_sql,
                                                      const std::vector<std::string>& settings = {});

 private:
  ClickHouseServer(void* curl, std::string base_url, std::string database, ClickHouseLogin login);
  Result<std::string> Post(const std::string& url, std::string_view body, std::string_view what);
  std::string InsertUrl(std::string_view insert_sql, const std::vector<std::string>& settings) const;
  void* curl_;
  std::string base_url_, database_;
  ClickHouseLogin login_;
};

}  // namespace billpipe::sink
