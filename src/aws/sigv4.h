// AWS Signature Version 4, as a pure function: a request description, credentials and a time in; the
// headers (or presigned query parameters) to add out, with the canonical request and string to sign
// for debugging. No I/O, no clock, no globals. Checked against AWS's signing test suite
// (shared/testdata/sigv4/v4) and the worked examples of the S3 documentation (tests/aws/).
//
// Paths and query parameters are given decoded (a key "a b/ሴ" as it is, not "a%20b/%E1%88%B4"): the
// signer encodes them once, per RFC 3986, as S3 expects. Use EncodedPath / EncodedQuery to build the
// URL that is sent, so the bytes on the wire are exactly the bytes that were signed.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/clock.h"

namespace billpipe::aws {

// Credentials to sign with. session_token is empty for long-term keys.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
};

using NameValue = std::pair<std::string, std::string>;

struct SignableRequest {
  std::string method = "GET";
  std::string path = "/";           // decoded; must start with '/'
  std::vector<NameValue> query;     // decoded names and values, any order, duplicates allowed
  std::vector<NameValue> headers;   // must include "host"; names in any case; repeated names allowed
};

struct SigningParams {
  std::string region;               // e.g. "us-east-1"
  std::string service = "s3";
  SysTime time;                     // the request time (second precision is used)
  // Remove "." and ".." segments and empty segments from the path before signing. Every service but
  // S3 does this; S3 signs the key as it is ("a//b/../c" is a valid key).
  bool normalize_path = false;
  // The payload hash put in the canonical request: lowercase hex SHA-256 of the body, or
  // "UNSIGNED-PAYLOAD". Empty means the hash of an empty body.
  std::string payload_hash;
  // Add x-amz-content-sha256 (the payload hash) as a signed header. S3 requires it on every
  // header-signed request.
  bool add_content_sha256_header = true;
  // Add the session token after signing instead of signing it (some services want that; not S3).
  bool omit_session_token = false;
  std::chrono::seconds expires{3600};  // presigned URLs only; S3 allows 1 s .. 7 days
};

struct SignedRequest {
  // Header signing: the headers to add to the request (x-amz-date, x-amz-content-sha256 when asked,
  // x-amz-security-token, authorization). Presigning: empty.
  std::vector<NameValue> headers;
  // Presigning: the query parameters to add (decoded values), X-Amz-Signature last. Header signing: empty.
  std::vector<NameValue> query;
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lowercase hex
};

// Signs with an Authorization header.
SignedRequest SignRequest(const SignableRequest& request, const Credentials& credentials,
                          const SigningParams& params);

// Signs with query parameters (a presigned URL). Only the given headers are signed (usually host).
SignedRequest PresignRequest(const SignableRequest& request, const Credentials& credentials,
                             const SigningParams& params);

// RFC 3986 percent-encoding: unreserved characters (A-Z a-z 0-9 - . _ ~) as they are, every other
// byte as %XX (uppercase hex). With keep_slash, '/' stays (for paths).
std::string UriEncode(std::string_view in, bool keep_slash);

// The path as signed and sent: each byte but '/' and unreserved ones percent-encoded.
std::string EncodedPath(std::string_view decoded_path);
// The query string as signed and sent: "a=1&b=2", names and values encoded, sorted by name then value.
std::string EncodedQuery(const std::vector<NameValue>& query);

// Lowercase hex SHA-256 of data.
std::string Sha256Hex(std::string_view data);

// "20150830T123600Z" and "20150830" for a time.
std::string AmzDate(SysTime time);
std::string AmzDay(SysTime time);

}  // namespace billpipe::aws
