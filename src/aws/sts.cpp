#include "aws/sts.h"

#include <fmt/core.h>

namespace billpipe::aws {
namespace {

constexpr const char* kStsVersion = "2011-06-15";  // the STS Query API version
constexpr int kMaxAttempts = 3;
constexpr const char* kFormContentType = "application/x-www-form-urlencoded; charset=utf-8";

bool IsAuthCode(std::string_view code) {
  return code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch" || code == "ExpiredToken" ||
         code == "InvalidAccessKeyId" || code == "IncompleteSignature" || code == "MissingAuthenticationToken";
}

bool IsRetryableCode(std::string_view code) {
  return code == "Throttling" || code == "ThrottlingException" || code == "RequestLimitExceeded" ||
         code == "ServiceUnavailable" || code == "InternalFailure" || code == "IDPCommunicationError";
}

std::string DefaultSessionName(Clock& clock) {
  return fmt::format("billpipe-{}", clock.Now().time_since_epoch().count());
}

}  // namespace

std::string XmlElementText(std::string_view xml, std::string_view tag) {
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  size_t b = xml.find(open);
  if (b == std::string_view::npos) return "";
  b += open.size();
  size_t e = xml.find(close, b);
  if (e == std::string_view::npos) return "";
  std::string_view raw = xml.substr(b, e - b);
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '&') {
      out.push_back(raw[i]);
      continue;
    }
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    bool matched = false;
    for (const auto& [name, ch] : kEntities) {
      if (raw.substr(i, name.size()) == name) {
        out.push_back(ch);
        i += name.size() - 1;
        matched = true;
        break;
      }
    }
    if (!matched) out.push_back('&');
  }
  return out;
}

std::string ShortenForMessage(std::string_view text, size_t max_chars) {
  std::string out;
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      continue;
    }
    out.push_back(c);
  }
  if (out.size() > max_chars) out = out.substr(0, max_chars) + "…";
  return out;
}

StsClient::StsClient(StsOptions options)
    : options_(std::move(options)), clock_(options_.clock ? options_.clock : &Clock::System()) {
  if (!options_.env) options_.env = ProcessEnvironment();
  std::string endpoint = options_.endpoint_url;
  for (const char* name : {"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"}) {
    if (!endpoint.empty()) break;
    endpoint = options_.env(name).value_or("");
  }
  if (endpoint.empty()) endpoint = "https://sts." + options_.region + ".amazonaws.com";
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  endpoint_ = endpoint;
  size_t sep = endpoint.find("://");
  std::string rest = sep == std::string::npos ? endpoint : endpoint.substr(sep + 3);
  size_t slash = rest.find('/');
  host_ = rest.substr(0, slash);
  if (slash != std::string::npos) path_ = rest.substr(slash);
}

Result<StsClient::Answer> StsClient::Call(const std::vector<NameValue>& query, const Credentials* signer) {
  std::string action;
  for (const auto& [k, v] : query)
    if (k == "Action") action = v;
  // POST with the parameters as a form, so that nothing (a web identity token, an external id) is in
  // a URL, where proxies and access logs keep it. The signature covers the body's SHA-256.
  const std::string form = EncodedQuery(query);
  for (int attempt = 1;; ++attempt) {
    SignableRequest req;
    req.method = "POST";
    req.path = path_.empty() ? "/" : path_ + "/";
    req.headers.emplace_back("host", host_);
    req.headers.emplace_back("content-type", kFormContentType);
    HttpCall call;
    call.method = "POST";
    call.url = endpoint_.substr(0, endpoint_.size() - path_.size()) + EncodedPath(req.path);
    call.headers = req.headers;
    call.body = form;
    if (signer != nullptr) {
      SigningParams params;
      params.region = options_.region;
      params.service = "sts";
      params.time = clock_->Now();
      params.normalize_path = true;
      params.payload_hash = Sha256Hex(form);
      params.add_content_sha256_header = false;
      SignedRequest s = SignRequest(req, *signer, params);
      for (auto& h : s.headers) call.headers.push_back(std::move(h));
    }
    auto reply = options_.transport->Send(call);
    bool retry = false;
    Error failure;
    if (!reply) {
      failure = reply.error();
      failure.message = fmt::format("Could not reach AWS STS at {} ({}): {}", endpoint_, action, failure.message);
      retry = true;
    } else if (reply->status >= 500 || IsRetryableCode(XmlElementText(reply->body, "Code"))) {
      retry = true;
      failure = Error(ErrorCode::kRetryable,
                      fmt::format("AWS STS at {} answered HTTP {} to {}{}.", endpoint_, reply->status, action,
                                  reply->body.empty() ? "" : " (" + XmlElementText(reply->body, "Code") + ")"));
      failure.http_status = reply->status;
    } else {
      return Answer{reply->status, std::move(reply->body)};
    }
    if (!retry || attempt >= kMaxAttempts) return Fail(failure);
    clock_->SleepFor(std::chrono::milliseconds(200 * attempt));
  }
}

namespace {

Result<ExpiringCredentials> ParseCredentials(const std::string& body, const std::string& action,
                                             const std::string& endpoint) {
  ExpiringCredentials out;
  out.credentials.access_key_id = XmlElementText(body, "AccessKeyId");
  out.credentials.secret_access_key = XmlElementText(body, "SecretAccessKey");
  out.credentials.session_token = XmlElementText(body, "SessionToken");
  auto expiration = ParseIso8601(XmlElementText(body, "Expiration"));
  if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty() || !expiration)
    return Fail(ErrorCode::kBadData,
                fmt::format("AWS STS at {} answered {} without credentials and an expiry.", endpoint, action));
  out.expiration = expiration;
  return out;
}

Error StsError(const std::string& body, int status, const std::string& role_arn, bool web_identity,
               const std::string& endpoint) {
  std::string code = XmlElementText(body, "Code");
  std::string message = ShortenForMessage(XmlElementText(body, "Message"));
  std::string request_id = XmlElementText(body, "RequestId");
  Error e;
  e.http_status = status;
  e.aws_code = code;
  e.request_id = request_id;
  std::string detail = fmt::format("{}{}", code.empty() ? fmt::format("HTTP {}", status) : code,
                                   message.empty() ? "" : ": " + message);
  if (IsAuthCode(code)) {
    e.code = ErrorCode::kAuth;
    e.message = fmt::format("{} AWS error code: {}.", kAuthFailedMessage, code);
    if (!role_arn.empty()) e.message += fmt::format(" (AWS STS refused the credentials used to assume {}.)", role_arn);
  } else if (web_identity && (code == "InvalidIdentityToken" || code == "ExpiredTokenException" ||
                              code == "IDPRejectedClaim")) {
    e.code = ErrorCode::kAuth;
    e.message = fmt::format(
        "AWS STS refused the web identity token for role {} ({}). Check that the token file "
        "(AWS_WEB_IDENTITY_TOKEN_FILE) is current and that the role trusts its identity provider.",
        role_arn, detail);
  } else if (!role_arn.empty() && (code == "AccessDenied" || status == 403)) {
    e.code = ErrorCode::kPermission;
    e.message = fmt::format(
        "Could not assume the role {}: AWS STS said {}. Check the role's trust policy: it must allow these "
        "credentials to call {}, and its sts:ExternalId condition must match the external id given (or none "
        "when none is given).",
        role_arn, detail, web_identity ? "sts:AssumeRoleWithWebIdentity" : "sts:AssumeRole");
  } else if (code == "RegionDisabledException") {
    e.code = ErrorCode::kPermission;
    e.message = fmt::format("AWS STS is not activated in the region of {} ({}). Activate it in IAM or use another "
                            "region.", endpoint, detail);
  } else {
    e.code = ErrorCode::kInvalidArgument;
    e.message = fmt::format("AWS STS at {} refused the request{} ({}).", endpoint,
                            role_arn.empty() ? "" : " for role " + role_arn, detail);
  }
  return e;
}

}  // namespace

Result<ExpiringCredentials> StsClient::AssumeRole(const Credentials& base, const AssumeRoleParams& params) {
  std::vector<NameValue> q = {{"Action", "AssumeRole"},
                              {"Version", kStsVersion},
                              {"RoleArn", params.role_arn},
                              {"RoleSessionName",
                               params.session_name.empty() ? DefaultSessionName(*clock_) : params.session_name}};
  if (!params.external_id.empty()) q.emplace_back("ExternalId", params.external_id);
  if (params.duration_seconds > 0) q.emplace_back("DurationSeconds", std::to_string(params.duration_seconds));
  BP_ASSIGN_OR_RETURN(Answer a, Call(q, &base));
  if (a.status != 200) return Fail(StsError(a.body, a.status, params.role_arn, false, endpoint_));
  return ParseCredentials(a.body, "AssumeRole", endpoint_);
}

Result<ExpiringCredentials> StsClient::AssumeRoleWithWebIdentity(const AssumeRoleParams& params,
                                                                 const std::string& token) {
  std::vector<NameValue> q = {{"Action", "AssumeRoleWithWebIdentity"},
                              {"Version", kStsVersion},
                              {"RoleArn", params.role_arn},
                              {"RoleSessionName",
                               params.session_name.empty() ? DefaultSessionName(*clock_) : params.session_name},
                              {"WebIdentityToken", token}};
  if (params.duration_seconds > 0) q.emplace_back("DurationSeconds", std::to_string(params.duration_seconds));
  BP_ASSIGN_OR_RETURN(Answer a, Call(q, nullptr));
  if (a.status != 200) return Fail(StsError(a.body, a.status, params.role_arn, true, endpoint_));
  return ParseCredentials(a.body, "AssumeRoleWithWebIdentity", endpoint_);
}

Result<CallerIdentity> StsClient::GetCallerIdentity(const Credentials& credentials) {
  BP_ASSIGN_OR_RETURN(Answer a, Call({{"Action", "GetCallerIdentity"}, {"Version", kStsVersion}}, &credentials));
  if (a.status != 200) return Fail(StsError(a.body, a.status, "", false, endpoint_));
  CallerIdentity id{XmlElementText(a.body, "Account"), XmlElementText(a.body, "Arn"), XmlElementText(a.body, "UserId")};
  if (id.account.empty() || id.arn.empty())
    return Fail(ErrorCode::kBadData, fmt::format("AWS STS at {} answered GetCallerIdentity without an account.",
                                                 endpoint_));
  return id;
}

}  // namespace billpipe::aws
