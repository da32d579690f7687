#include "aws/credential_chain.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "aws/shared_config.h"

namespace billpipe::aws {
namespace {

using nlohmann::json;

constexpr const char* kDefaultMetadataEndpoint = "http://169.254.169.254";
constexpr const char* kMetadataTokenTtlSeconds = "21600";  // IMDSv2 tokens live up to 6 hours
constexpr const char* kCredentialsPath = "/latest/meta-data/iam/security-credentials/";
constexpr size_t kMaxProcessOutput = 1 << 20;

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::optional<std::string> NonEmpty(const EnvLookup& env, const char* name) {
  auto v = env(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

Result<std::string> ReadTextFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kIo, fmt::format("Cannot read {} {}.", what, path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Sha1Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

// A JSON string member; empty when absent or not a string.
std::string JsonString(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// {"AccessKeyId", "SecretAccessKey", "Token" or "SessionToken", "Expiration"}: the shape of container
// credentials, IMDS role credentials and credential_process output.
Result<ExpiringCredentials> ParseCredentialsJson(const std::string& text, const std::string& where,
                                                 const char* token_member, bool expiration_required) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Fail(ErrorCode::kBadData, fmt::format("{} did not answer with credentials in JSON.", where));
  ExpiringCredentials out;
  out.credentials.access_key_id = JsonString(j, "AccessKeyId");
  out.credentials.secret_access_key = JsonString(j, "SecretAccessKey");
  out.credentials.session_token = JsonString(j, token_member);
  std::string expiration = JsonString(j, "Expiration");
  if (!expiration.empty()) {
    out.expiration = ParseIso8601(expiration);
    if (!out.expiration)
      return Fail(ErrorCode::kBadData, fmt::format("{} gave an Expiration that is not an ISO 8601 time.", where));
  }
  if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty() ||
      (expiration_required && !out.expiration))
    return Fail(ErrorCode::kBadData,
                fmt::format("{} answered without AccessKeyId, SecretAccessKey{}.", where,
                            expiration_required ? " and Expiration" : ""));
  return out;
}

// ---- sources ----------------------------------------------------------------------------------

class WebIdentitySource final : public CredentialsSource {
 public:
  WebIdentitySource(std::shared_ptr<StsClient> sts, AssumeRoleParams params, std::string token_file,
                    std::string origin)
      : sts_(std::move(sts)), params_(std::move(params)), token_file_(std::move(token_file)),
        origin_(std::move(origin)) {}
  Result<ExpiringCredentials> Fetch() override {
    // Read every time: the file is rotated (EKS renews it well before it expires).
    BP_ASSIGN_OR_RETURN(std::string token, ReadTextFile(token_file_, "the web identity token file"));
    token = Trim(token);
    if (token.empty())
      return Fail(ErrorCode::kAuth, fmt::format("The web identity token file {} is empty.", token_file_));
    return sts_->AssumeRoleWithWebIdentity(params_, token);
  }
  std::string Describe() const override {
    return fmt::format("role {} with the web identity token in {} ({})", params_.role_arn, token_file_, origin_);
  }

 private:
  std::shared_ptr<StsClient> sts_;
  AssumeRoleParams params_;
  std::string token_file_;
  std::string origin_;
};

class AssumeRoleSource final : public CredentialsSource {
 public:
  AssumeRoleSource(std::shared_ptr<CredentialsProvider> base, std::shared_ptr<StsClient> sts, AssumeRoleParams params,
                   std::string origin)
      : base_(std::move(base)), sts_(std::move(sts)), params_(std::move(params)), origin_(std::move(origin)) {}
  Result<ExpiringCredentials> Fetch() override {
    BP_ASSIGN_OR_RETURN(Credentials base, base_->Get());
    auto r = sts_->AssumeRole(base, params_);
    if (!r && r.error().code == ErrorCode::kAuth) base_->Invalidate();  // base temporary keys may have lapsed
    return r;
  }
  std::string Describe() const override {
    return fmt::format("role {}{} assumed with {}", params_.role_arn, origin_.empty() ? "" : " (" + origin_ + ")",
                       base_->Describe());
  }

 private:
  std::shared_ptr<CredentialsProvider> base_;
  std::shared_ptr<StsClient> sts_;
  AssumeRoleParams params_;
  std::string origin_;
};

// What became of a credential_process.
struct ProcessRun {
  bool timed_out = false;
  int exit_status = 0;  // -1: killed by a signal
  std::string output;   // its standard output, at most kMaxProcessOutput bytes
};

std::string FormatDuration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return fmt::format("{} s", d.count() / 1000);
  return fmt::format("{} ms", d.count());
}

// Runs `/bin/sh -c command` in its own process group, stdin and stderr on /dev/null (its messages may
// hold a secret, and billpipe repeats neither of its outputs), reading its standard output until it
// exits. Past the timeout the whole group is killed (SIGKILL), so a process that waits for input or
// hangs on the network cannot hold up a run. posix_spawn, not fork: this process has threads.
Result<ProcessRun> RunCredentialProcess(const std::string& command, std::chrono::milliseconds timeout,
                                        const std::string& where) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Fail(ErrorCode::kIo, fmt::format("{} could not be started (pipe).", where));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::string shell = "/bin/sh", dash_c = "-c", cmd = command;
  char* argv[] = {shell.data(), dash_c.data(), cmd.data(), nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    return Fail(ErrorCode::kIo, fmt::format("{} could not be started: {}.", where, std::strerror(rc)));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining_ms = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<int64_t>(0, left.count()));
  };
  ProcessRun run;
  char buf[4096];
  for (;;) {  // until the end of its output or the deadline
    int left = remaining_ms();
    if (left == 0) {
      run.timed_out = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    int ready = ::poll(&p, 1, left);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline is checked above
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (run.output.size() < kMaxProcessOutput) run.output.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  // Output closed: wait for the exit, still within the deadline (a process may close stdout and go on).
  while (!run.timed_out) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) break;
    if (remaining_ms() == 0) {
      run.timed_out = true;
      break;
    }
    ::usleep(5000);
  }
  if (run.timed_out) {
    ::kill(-pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return run;
  }
  run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class ProcessSource final : public CredentialsSource {
 public:
  ProcessSource(std::string command, std::string profile, std::chrono::milliseconds timeout)
      : command_(std::move(command)), profile_(std::move(profile)), timeout_(timeout) {}
  Result<ExpiringCredentials> Fetch() override {
    std::string where = fmt::format("The credential_process of profile '{}'", profile_);
    BP_ASSIGN_OR_RETURN(ProcessRun run, RunCredentialProcess(command_, timeout_, where));
    // Its output is never shown: it may hold a secret.
    if (run.timed_out)
      return Fail(ErrorCode::kRetryable,
                  fmt::format("{} did not finish within {} and was stopped. Check that the command does not wait "
                              "for input (it runs without a terminal) or for an unreachable service; run it yourself "
                              "to see its messages.",
                              where, FormatDuration(timeout_)));
    if (run.exit_status != 0)
      return Fail(ErrorCode::kAuth, fmt::format("{} failed (exit status {}). Its messages are not shown (they may "
                                                "hold a secret): run the command yourself to see them.",
                                                where, run.exit_status));
    json j = json::parse(run.output, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("Version") || j["Version"] != 1)
      return Fail(ErrorCode::kBadData,
                  fmt::format("{} did not print credentials as JSON with \"Version\": 1.", where));
    return ParseCredentialsJson(run.output, where, "SessionToken", false);
  }
  std::string Describe() const override { return fmt::format("credential_process of profile '{}'", profile_); }

 private:
  std::string command_;
  std::string profile_;
  std::chrono::milliseconds timeout_;
};

struct SsoSettings {
  std::string profile;
  std::string session_name;  // empty: a legacy profile with sso_start_url
  std::string start_url;
  std::string region;
  std::string account_id;
  std::string role_name;
  std::string cache_file;
  std::string endpoint;  // https://portal.sso.REGION.amazonaws.com
};

class SsoSource final : public CredentialsSource {
 public:
  SsoSource(SsoSettings s, std::shared_ptr<HttpTransport> transport, Clock* clock)
      : s_(std::move(s)), transport_(std::move(transport)), clock_(clock) {}

  Result<ExpiringCredentials> Fetch() override {
    std::ifstream in(s_.cache_file);
    if (!in) return Fail(LoginAgain("no cached SSO token was found (" + s_.cache_file + ")"));
    std::stringstream ss;
    ss << in.rdbuf();
    json j = json::parse(ss.str(), nullptr, false);
    std::string token = j.is_object() ? JsonString(j, "accessToken") : "";
    auto expires = j.is_object() ? ParseIso8601(JsonString(j, "expiresAt")) : std::nullopt;
    if (token.empty() || !expires) return Fail(LoginAgain("the cached SSO token in " + s_.cache_file + " is unreadable"));
    if (*expires <= clock_->Now())
      return Fail(LoginAgain(fmt::format("the SSO session expired at {}", FormatIso8601(*expires))));
    HttpCall call;
    call.url = fmt::format("{}/federation/credentials?account_id={}&role_name={}", s_.endpoint,
                           UriEncode(s_.account_id, false), UriEncode(s_.role_name, false));
    call.headers.emplace_back("x-amz-sso_bearer_token", token);
    BP_ASSIGN_OR_RETURN(HttpReply reply, transport_->Send(call));
    if (reply.status == 401) return Fail(LoginAgain("the SSO portal refused the cached token (HTTP 401)"));
    if (reply.status == 403)
      return Fail(ErrorCode::kPermission,
                  fmt::format("The SSO user may not use role '{}' in account {} (profile '{}'): the SSO portal "
                              "answered 403. Check the permission set assignment in IAM Identity Center.",
                              s_.role_name, s_.account_id, s_.profile));
    if (reply.status != 200)
      return Fail(reply.status >= 500 ? ErrorCode::kRetryable : ErrorCode::kInvalidArgument,
                  fmt::format("The SSO portal at {} answered HTTP {} to GetRoleCredentials for profile '{}'.",
                              s_.endpoint, reply.status, s_.profile));
    json r = json::parse(reply.body, nullptr, false);
    if (r.is_discarded() || !r.contains("roleCredentials") || !r["roleCredentials"].is_object())
      return Fail(ErrorCode::kBadData, fmt::format("The SSO portal at {} answered without roleCredentials.", s_.endpoint));
    const json& c = r["roleCredentials"];
    ExpiringCredentials out;
    out.credentials.access_key_id = JsonString(c, "accessKeyId");
    out.credentials.secret_access_key = JsonString(c, "secretAccessKey");
    out.credentials.session_token = JsonString(c, "sessionToken");
    if (c.contains("expiration") && c["expiration"].is_number())
      out.expiration = SysTime(std::chrono::milliseconds(c["expiration"].get<int64_t>()));  // ms since the epoch
    if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty() || !out.expiration)
      return Fail(ErrorCode::kBadData, fmt::format("The SSO portal at {} answered incomplete roleCredentials.", s_.endpoint));
    return out;
  }
  std::string Describe() const override {
    return fmt::format("SSO role {} in account {} (profile '{}')", s_.role_name, s_.account_id, s_.profile);
  }

 private:
  Error LoginAgain(const std::string& why) const {
    std::string command = s_.session_name.empty() ? fmt::format("aws sso login --profile {}", s_.profile)
                                                  : fmt::format("aws sso login --sso-session {}", s_.session_name);
    return Error(ErrorCode::kAuth, fmt::format("The AWS SSO login for profile '{}' is no longer valid: {}. Run `{}` "
                                               "and try again.",
                                               s_.profile, why, command));
  }

  SsoSettings s_;
  std::shared_ptr<HttpTransport> transport_;
  Clock* clock_;
};

bool AllowedContainerHost(const std::string& url) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) return false;
  std::string scheme = Lower(url.substr(0, sep));
  if (scheme == "https") return true;
  if (scheme != "http") return false;
  std::string rest = url.substr(sep + 3);
  std::string host = rest.substr(0, rest.find('/'));
  if (host.starts_with("[")) {
    host = host.substr(1, host.find(']') - 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  host = Lower(host);
  return host == "localhost" || host.starts_with("127.") || host == "::1" || host == "169.254.170.2" ||
         host == "169.254.170.23" || host == "fd00:ec2::23";
}

class ContainerSource final : public CredentialsSource {
 public:
  ContainerSource(std::string url, EnvLookup env, std::shared_ptr<HttpTransport> transport,
                  std::chrono::milliseconds timeout)
      : url_(std::move(url)), env_(std::move(env)), transport_(std::move(transport)), timeout_(timeout) {}
  Result<ExpiringCredentials> Fetch() override {
    HttpCall call;
    call.url = url_;
    call.timeout = timeout_;
    // The token file wins (EKS Pod Identity rotates it); read it every time.
    if (auto file = NonEmpty(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      BP_ASSIGN_OR_RETURN(std::string token,
                          ReadTextFile(*file, "the container authorization token file (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)"));
      call.headers.emplace_back("Authorization", Trim(token));
    } else if (auto token = NonEmpty(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
      call.headers.emplace_back("Authorization", *token);
    }
    Result<HttpReply> reply = Fail(ErrorCode::kInternal, "");
    for (int attempt = 1; attempt <= 2; ++attempt) {  // the agent can be briefly busy
      reply = transport_->Send(call);
      if (reply && reply->status < 500) break;
    }
    if (!reply) {
      Error e = reply.error();
      e.message = fmt::format("Could not reach the container credentials endpoint {}: {}", url_, e.message);
      return Fail(std::move(e));
    }
    if (reply->status == 401 || reply->status == 403)
      return Fail(ErrorCode::kAuth,
                  fmt::format("The container credentials endpoint {} refused the request (HTTP {}): check "
                              "AWS_CONTAINER_AUTHORIZATION_TOKEN or AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE.",
                              url_, reply->status));
    if (reply->status != 200)
      return Fail(reply->status >= 500 ? ErrorCode::kRetryable : ErrorCode::kInvalidArgument,
                  fmt::format("The container credentials endpoint {} answered HTTP {}.", url_, reply->status));
    return ParseCredentialsJson(reply->body, "The container credentials endpoint " + url_, "Token", false);
  }
  std::string Describe() const override { return "container credentials from " + url_; }

 private:
  std::string url_;
  EnvLookup env_;
  std::shared_ptr<HttpTransport> transport_;
  std::chrono::milliseconds timeout_;
};

class InstanceMetadataSource final : public CredentialsSource {
 public:
  InstanceMetadataSource(std::string endpoint, std::shared_ptr<HttpTransport> transport,
                         std::chrono::milliseconds timeout)
      : endpoint_(std::move(endpoint)), transport_(std::move(transport)), timeout_(timeout) {
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  }

  Result<ExpiringCredentials> Fetch() override {
    // IMDSv2: a session token first (PUT), then the role's credentials with it. An instance that
    // only speaks IMDSv1 answers the PUT with 404 or 405: go on without a token.
    HttpCall put;
    put.method = "PUT";
    put.url = endpoint_ + "/latest/api/token";
    put.headers.emplace_back("x-aws-ec2-metadata-token-ttl-seconds", kMetadataTokenTtlSeconds);
    put.timeout = timeout_;
    auto token_reply = transport_->Send(put);
    if (!token_reply) return Fail(Unreachable(token_reply.error().message));
    std::vector<std::pair<std::string, std::string>> headers;
    if (token_reply->status == 200) {
      headers.emplace_back("x-aws-ec2-metadata-token", Trim(token_reply->body));
    } else if (token_reply->status != 404 && token_reply->status != 405) {
      return Fail(ErrorCode::kAuth, fmt::format("EC2 instance metadata at {} refused a session token (HTTP {}).",
                                                endpoint_, token_reply->status));
    }
    BP_ASSIGN_OR_RETURN(HttpReply roles, Get(kCredentialsPath, headers));
    if (roles.status == 404)
      return Fail(ErrorCode::kAuth, fmt::format("This EC2 instance has no IAM role (instance profile) attached "
                                                "(EC2 instance metadata at {}).",
                                                endpoint_));
    if (roles.status != 200)
      return Fail(ErrorCode::kAuth, fmt::format("EC2 instance metadata at {} answered HTTP {} for the instance's role.",
                                                endpoint_, roles.status));
    std::string role = Trim(roles.body.substr(0, roles.body.find('\n')));
    if (role.empty())
      return Fail(ErrorCode::kAuth, fmt::format("This EC2 instance has no IAM role (instance profile) attached "
                                                "(EC2 instance metadata at {}).",
                                                endpoint_));
    BP_ASSIGN_OR_RETURN(HttpReply creds, Get(kCredentialsPath + UriEncode(role, false), headers));
    if (creds.status != 200)
      return Fail(ErrorCode::kAuth, fmt::format("EC2 instance metadata at {} answered HTTP {} for the credentials of "
                                                "role {}.",
                                                endpoint_, creds.status, role));
    {
      std::lock_guard lock(mu_);
      role_ = role;
    }
    return ParseCredentialsJson(creds.body, "EC2 instance metadata at " + endpoint_, "Token", false);
  }

  std::string Describe() const override {
    std::lock_guard lock(mu_);
    return fmt::format("EC2 instance metadata at {}{}", endpoint_, role_.empty() ? "" : " (role " + role_ + ")");
  }

 private:
  Result<HttpReply> Get(const std::string& path, const std::vector<std::pair<std::string, std::string>>& headers) {
    HttpCall call;
    call.url = endpoint_ + path;
    call.headers = headers;
    call.timeout = timeout_;
    auto r = transport_->Send(call);
    if (!r) return Fail(Unreachable(r.error().message));
    return r;
  }
  Error Unreachable(const std::string& why) const {
    Error e(ErrorCode::kRetryable, fmt::format("EC2 instance metadata at {} did not answer ({}).", endpoint_, why));
    e.aws_code = "MetadataUnreachable";
    return e;
  }

  std::string endpoint_;
  std::shared_ptr<HttpTransport> transport_;
  std::chrono::milliseconds timeout_;
  mutable std::mutex mu_;
  std::string role_;
};

// ---- the chain ----------------------------------------------------------------------------------

struct Context {
  ChainOptions options;
  EnvLookup env;
  Clock* clock;
  SharedConfig files;
  std::string region;

  CachingOptions Caching() const { return CachingOptions{options.refresh_before, clock}; }
  std::shared_ptr<CredentialsProvider> Cache(std::unique_ptr<CredentialsSource> source) const {
    return std::make_shared<CachingCredentialsProvider>(std::move(source), Caching());
  }
  std::shared_ptr<StsClient> Sts(const std::string& region_override) const {
    StsOptions o;
    o.region = region_override.empty() ? region : region_override;
    o.endpoint_url = options.sts_endpoint_url;
    o.transport = options.transport.get();
    o.clock = clock;
    o.env = env;
    // The client must not outlive the transport: keep a reference in the deleter.
    auto transport = options.transport;
    return std::shared_ptr<StsClient>(new StsClient(o), [transport](StsClient* c) { delete c; });
  }
  std::string Files() const { return fmt::format("{} or {}", files.credentials_path, files.config_path); }
};

std::unique_ptr<CredentialsSource> ImdsSource(const Context& c) {
  std::string endpoint = NonEmpty(c.env, "AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or(kDefaultMetadataEndpoint);
  return std::make_unique<InstanceMetadataSource>(endpoint, c.options.transport, c.options.metadata_timeout);
}

bool ImdsDisabled(const Context& c) { return Lower(c.env("AWS_EC2_METADATA_DISABLED").value_or("")) == "true"; }

// Null when neither container variable is set.
Result<std::unique_ptr<CredentialsSource>> ContainerSourceFromEnv(const Context& c) {
  std::string url;
  if (auto rel = NonEmpty(c.env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    url = c.options.container_host + (rel->starts_with("/") ? "" : "/") + *rel;
  } else if (auto full = NonEmpty(c.env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    url = *full;
    if (!AllowedContainerHost(url))
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("AWS_CONTAINER_CREDENTIALS_FULL_URI {} must be https, or http on a loopback address or "
                              "169.254.170.2 / 169.254.170.23 (the container agent).",
                              url));
  } else {
    return std::unique_ptr<CredentialsSource>();
  }
  return std::unique_ptr<CredentialsSource>(
      std::make_unique<ContainerSource>(url, c.env, c.options.transport, c.options.container_timeout));
}

std::optional<Credentials> StaticKeys(const IniSection& s) {
  std::string id = Value(s, "aws_access_key_id");
  auto secret = s.find("aws_secret_access_key");
  if (id.empty() || secret == s.end()) return std::nullopt;
  return Credentials{id, secret->second, Value(s, "aws_session_token")};
}

std::string WhereIs(const Context& c, const std::string& profile) {
  if (c.files.InCredentials(profile) != nullptr && StaticKeys(*c.files.InCredentials(profile)))
    return c.files.credentials_path;
  return c.files.InConfig(profile) != nullptr ? c.files.config_path : c.files.credentials_path;
}

Result<std::unique_ptr<CredentialsSource>> FromProfile(const Context& c, const std::string& profile,
                                                       std::set<std::string> visited);

Result<AssumeRoleParams> RoleParams(const std::string& profile, const IniSection& s) {
  AssumeRoleParams p;
  p.role_arn = Value(s, "role_arn");
  p.session_name = Value(s, "role_session_name");
  p.external_id = Value(s, "external_id");
  std::string duration = Value(s, "duration_seconds");
  if (!duration.empty()) {
    try {
      size_t used = 0;
      p.duration_seconds = std::stoi(duration, &used);
      if (used != duration.size() || p.duration_seconds < 900 || p.duration_seconds > 43200) throw 0;
    } catch (...) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("duration_seconds of profile '{}' is '{}': give a number of seconds from 900 to 43200.",
                              profile, duration));
    }
  }
  return p;
}

Result<std::unique_ptr<CredentialsSource>> RoleFromProfile(const Context& c, const std::string& profile,
                                                           const IniSection& s, std::set<std::string> visited) {
  BP_ASSIGN_OR_RETURN(AssumeRoleParams params, RoleParams(profile, s));
  std::string region = Value(s, "region");
  std::string origin = fmt::format("profile '{}'", profile);
  if (std::string file = Value(s, "web_identity_token_file"); !file.empty())
    return std::unique_ptr<CredentialsSource>(
        std::make_unique<WebIdentitySource>(c.Sts(region), params, file, origin));

  std::string source_profile = Value(s, "source_profile");
  std::string credential_source = Value(s, "credential_source");
  std::unique_ptr<CredentialsSource> base;
  if (!source_profile.empty() && !credential_source.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Profile '{}' sets both source_profile and credential_source: keep one.", profile));
  } else if (!source_profile.empty()) {
    visited.insert(profile);
    if (source_profile == profile) {
      auto keys = StaticKeys(s);
      if (!keys)
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("Profile '{}' is its own source_profile but has no aws_access_key_id and "
                                "aws_secret_access_key.",
                                profile));
      base = std::make_unique<StaticCredentialsSource>(
          *keys, fmt::format("profile '{}' in {}", profile, WhereIs(c, profile)));
    } else if (visited.contains(source_profile)) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The source_profile of profile '{}' leads back to '{}': a loop.", profile, source_profile));
    } else {
      if (!c.files.Merged(source_profile))
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("The source_profile '{}' of profile '{}' does not exist in {}.", source_profile, profile,
                                c.Files()));
      BP_ASSIGN_OR_RETURN(base, FromProfile(c, source_profile, visited));
      if (!base)
        return Fail(ErrorCode::kAuth, fmt::format("The source_profile '{}' of profile '{}' has no credentials.",
                                                  source_profile, profile));
    }
  } else if (credential_source == "Environment") {
    auto id = NonEmpty(c.env, "AWS_ACCESS_KEY_ID");
    auto secret = c.env("AWS_SECRET_ACCESS_KEY");
    if (!id || !secret)
      return Fail(ErrorCode::kAuth, fmt::format("Profile '{}' takes its credentials from the environment "
                                                "(credential_source = Environment) but AWS_ACCESS_KEY_ID and "
                                                "AWS_SECRET_ACCESS_KEY are not set.",
                                                profile));
    base = std::make_unique<StaticCredentialsSource>(
        Credentials{*id, *secret, c.env("AWS_SESSION_TOKEN").value_or("")}, "environment");
  } else if (credential_source == "Ec2InstanceMetadata") {
    base = ImdsSource(c);
  } else if (credential_source == "EcsContainer") {
    BP_ASSIGN_OR_RETURN(base, ContainerSourceFromEnv(c));
    if (!base)
      return Fail(ErrorCode::kAuth, fmt::format("Profile '{}' takes its credentials from the container "
                                                "(credential_source = EcsContainer) but neither "
                                                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor "
                                                "AWS_CONTAINER_CREDENTIALS_FULL_URI is set.",
                                                profile));
  } else if (!credential_source.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("credential_source of profile '{}' is '{}': use Environment, Ec2InstanceMetadata or "
                            "EcsContainer.",
                            profile, credential_source));
  } else {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("Profile '{}' has role_arn but no source_profile, credential_source or "
                            "web_identity_token_file: add one to say which credentials assume the role.",
                            profile));
  }
  return std::unique_ptr<CredentialsSource>(
      std::make_unique<AssumeRoleSource>(c.Cache(std::move(base)), c.Sts(region), params, origin));
}

Result<std::unique_ptr<CredentialsSource>> SsoFromProfile(const Context& c, const std::string& profile,
                                                          const IniSection& s) {
  SsoSettings sso;
  sso.profile = profile;
  sso.session_name = Value(s, "sso_session");
  sso.account_id = Value(s, "sso_account_id");
  sso.role_name = Value(s, "sso_role_name");
  if (!sso.session_name.empty()) {
    const IniSection* session = c.files.SsoSession(sso.session_name);
    if (session == nullptr)
      return Fail(ErrorCode::kInvalidArgument, fmt::format("Profile '{}' names sso_session '{}', but {} has no "
                                                           "[sso-session {}] section.",
                                                           profile, sso.session_name, c.files.config_path,
                                                           sso.session_name));
    sso.start_url = Value(*session, "sso_start_url");
    sso.region = Value(*session, "sso_region");
  } else {
    sso.start_url = Value(s, "sso_start_url");
    sso.region = Value(s, "sso_region");
  }
  if (sso.account_id.empty() || sso.role_name.empty() || sso.region.empty())
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("SSO profile '{}' needs sso_account_id, sso_role_name and sso_region (in the profile or "
                            "its sso-session).",
                            profile));
  // `aws sso login` names its cache file after the SHA-1 of the session name (or, for legacy
  // profiles, of the start URL).
  std::string home = c.env("HOME").value_or("");
  sso.cache_file = home + "/.aws/sso/cache/" + Sha1Hex(sso.session_name.empty() ? sso.start_url : sso.session_name) +
                   ".json";
  sso.endpoint = c.options.sso_endpoint_url;
  if (sso.endpoint.empty()) sso.endpoint = NonEmpty(c.env, "AWS_ENDPOINT_URL_SSO").value_or("");
  if (sso.endpoint.empty()) sso.endpoint = "https://portal.sso." + sso.region + ".amazonaws.com";
  while (!sso.endpoint.empty() && sso.endpoint.back() == '/') sso.endpoint.pop_back();
  return std::unique_ptr<CredentialsSource>(std::make_unique<SsoSource>(sso, c.options.transport, c.clock));
}

// Null when the profile exists but holds no credentials of any kind.
Result<std::unique_ptr<CredentialsSource>> FromProfile(const Context& c, const std::string& profile,
                                                       std::set<std::string> visited) {
  auto merged = c.files.Merged(profile);
  if (!merged) return std::unique_ptr<CredentialsSource>();
  const IniSection& s = *merged;
  if (!Value(s, "role_arn").empty()) return RoleFromProfile(c, profile, s, std::move(visited));
  if (!Value(s, "sso_session").empty() || !Value(s, "sso_start_url").empty()) return SsoFromProfile(c, profile, s);
  // Keys in the credentials file first, then in the config file.
  const IniSection* in_creds = c.files.InCredentials(profile);
  if (in_creds != nullptr) {
    if (auto keys = StaticKeys(*in_creds))
      return std::unique_ptr<CredentialsSource>(std::make_unique<StaticCredentialsSource>(
          *keys, fmt::format("profile '{}' in {}", profile, c.files.credentials_path)));
  }
  const IniSection* in_config = c.files.InConfig(profile);
  if (in_config != nullptr) {
    if (auto keys = StaticKeys(*in_config))
      return std::unique_ptr<CredentialsSource>(std::make_unique<StaticCredentialsSource>(
          *keys, fmt::format("profile '{}' in {}", profile, c.files.config_path)));
  }
  if (std::string command = Value(s, "credential_process"); !command.empty())
    return std::unique_ptr<CredentialsSource>(
        std::make_unique<ProcessSource>(command, profile, c.options.process_timeout));
  return std::unique_ptr<CredentialsSource>();
}

Result<std::shared_ptr<CredentialsProvider>> FirstFetch(std::shared_ptr<CredentialsProvider> provider) {
  BP_RETURN_IF_ERROR(provider->Get());
  return provider;
}

}  // namespace

Result<std::shared_ptr<CredentialsProvider>> MakeCredentialsProvider(const ChainOptions& options) {
  Context c;
  c.options = options;
  c.env = options.env ? options.env : ProcessEnvironment();
  c.clock = options.clock ? options.clock : &Clock::System();
  CredentialSourceOptions region_source{{}, options.profile, c.env};
  c.region = ResolveRegion(options.region, region_source);

  if (!options.explicit_credentials.access_key_id.empty())
    return c.Cache(std::make_unique<StaticCredentialsSource>(options.explicit_credentials, "explicit"));
  if (!options.transport) return Fail(ErrorCode::kInternal, "MakeCredentialsProvider needs an HTTP transport.");
  c.files = SharedConfig::Load(c.env);

  // An explicitly named profile is used alone.
  if (!options.profile.empty()) {
    if (!c.files.Merged(options.profile))
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("The AWS profile '{}' does not exist in {}. Name a profile defined there.",
                              options.profile, c.Files()));
    BP_ASSIGN_OR_RETURN(auto source, FromProfile(c, options.profile, {}));
    if (!source)
      return Fail(ErrorCode::kAuth,
                  fmt::format("The AWS profile '{}' has no credentials. Add aws_access_key_id and aws_secret_access_key "
                              "to it in {}, or role_arn, sso_session or credential_process (docs/credentials.md).",
                              options.profile, c.files.credentials_path));
    return FirstFetch(c.Cache(std::move(source)));
  }

  if (auto id = NonEmpty(c.env, "AWS_ACCESS_KEY_ID"); id && c.env("AWS_SECRET_ACCESS_KEY")) {
    Credentials keys{*id, *c.env("AWS_SECRET_ACCESS_KEY"), c.env("AWS_SESSION_TOKEN").value_or("")};
    return c.Cache(std::make_unique<StaticCredentialsSource>(keys, "environment"));
  }

  auto token_file = NonEmpty(c.env, "AWS_WEB_IDENTITY_TOKEN_FILE");
  auto role_arn = NonEmpty(c.env, "AWS_ROLE_ARN");
  if (token_file && role_arn) {
    AssumeRoleParams params;
    params.role_arn = *role_arn;
    params.session_name = c.env("AWS_ROLE_SESSION_NAME").value_or("");
    return FirstFetch(c.Cache(std::make_unique<WebIdentitySource>(c.Sts(""), params, *token_file,
                                                                  "AWS_WEB_IDENTITY_TOKEN_FILE")));
  }

  std::string profile = NonEmpty(c.env, "AWS_PROFILE").value_or("default");
  if (profile != "default" && !c.files.Merged(profile))
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("The AWS profile '{}' does not exist in {}. Name a profile defined there.", profile,
                            c.Files()));
  BP_ASSIGN_OR_RETURN(auto from_profile, FromProfile(c, profile, {}));
  if (from_profile) return FirstFetch(c.Cache(std::move(from_profile)));

  BP_ASSIGN_OR_RETURN(auto container, ContainerSourceFromEnv(c));
  if (container) return FirstFetch(c.Cache(std::move(container)));

  std::string none = fmt::format("No AWS credentials found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add "
                                 "aws_access_key_id and aws_secret_access_key to profile '{}' in {}.",
                                 profile, c.files.credentials_path);
  if (ImdsDisabled(c)) return Fail(ErrorCode::kAuth, none);
  auto imds = c.Cache(ImdsSource(c));
  auto first = imds->Get();
  if (first) return imds;
  // Not on EC2 (or no role there): the chain is exhausted.
  return Fail(ErrorCode::kAuth,
              fmt::format("{} Also tried: {} Roles, SSO and containers: see docs/credentials.md.", none,
                          first.error().message));
}

std::shared_ptr<CredentialsProvider> MakeAssumeRoleProvider(std::shared_ptr<CredentialsProvider> base,
                                                            AssumeRoleParams params, const ChainOptions& options) {
  Context c;
  c.options = options;
  c.env = options.env ? options.env : ProcessEnvironment();
  c.clock = options.clock ? options.clock : &Clock::System();
  CredentialSourceOptions region_source{{}, options.profile, c.env};
  c.region = ResolveRegion(options.region, region_source);
  std::string origin;
  return c.Cache(std::make_unique<AssumeRoleSource>(std::move(base), c.Sts(""), std::move(params), origin));
}

}  // namespace billpipe::aws
