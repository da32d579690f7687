// One statement on one ClickHouse server over its HTTP interface, as a reader (the default user) sends it,
// for the tests that check what a ClickHouse destination holds.
#pragma once

#include <curl/curl.h>

#include <string>

namespace billpipe::testing {

inline size_t AppendToString(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// The body (an error's text too), trailing newlines off; "curl: ..." when the server was not reached.
inline std::string Ch(const std::string& base_url, const std::string& sql) {
  CURL* curl = curl_easy_init();
  std::string out;
  curl_easy_setopt(curl, CURLOPT_URL, (base_url + "/").c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, sql.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendToString);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return std::string("curl: ") + curl_easy_strerror(rc);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace billpipe::testing
