// S3 error answers mapped into Errors, and the XML helpers under them.
#include "s3/s3_errors.h"

#include <gtest/gtest.h>

#include "s3/xml.h"

namespace billpipe::s3 {
namespace {

HttpResponse Answer(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.list = std::move(headers);
  return r;
}

std::string ErrorXml(const std::string& code, const std::string& extra = "") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>msg</Message>" + extra +
         "<RequestId>4442587FB7D0A2F9</RequestId></Error>";
}

Error Map(Operation op, const HttpResponse& r) {
  return MapErrorResponse(RequestTarget{op, "billing", op == Operation::kList ? "cur/" : "cur/m.json"},
                          ParseErrorResponse(r));
}

TEST(S3Errors, AuthCodesGiveTheExactSentence) {
  for (const char* code : {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}) {
    Error e = Map(Operation::kList, Answer(403, ErrorXml(code)));
    EXPECT_EQ(e.code, ErrorCode::kAuth);
    EXPECT_EQ(e.message, std::string("Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the credentials you entered are invalid. Verify your account credentials and try again. AWS error code: ") +
                             code + ", request id: 4442587FB7D0A2F9.");
    EXPECT_EQ(e.aws_code, code);
    EXPECT_EQ(e.request_id, "4442587FB7D0A2F9");
    EXPECT_EQ(e.http_status, 403);
    EXPECT_EQ(e.bucket, "billing");
  }
}

TEST(S3Errors, RequestIdHeaderWinsOverBody) {
  Error e = Map(Operation::kGet, Answer(404, ErrorXml("NoSuchKey"), {{"x-amz-request-id", "HDR1"}}));
  EXPECT_EQ(e.request_id, "HDR1");
  EXPECT_EQ(e.message, "s3://billing/cur/m.json does not exist (no such key in bucket 'billing'). AWS error code: "
                       "NoSuchKey, request id: HDR1.");
}

TEST(S3Errors, AccessDeniedNamesPermissionPerOperation) {
  EXPECT_EQ(Map(Operation::kList, Answer(403, ErrorXml("AccessDenied"))).message,
            "Access denied: the credentials lack s3:ListBucket on arn:aws:s3:::billing. Grant it in the IAM or "
            "bucket policy. AWS error code: AccessDenied, request id: 4442587FB7D0A2F9.");
  EXPECT_EQ(Map(Operation::kGet, Answer(403, ErrorXml("AccessDenied"))).message,
            "Access denied: the credentials lack s3:GetObject on s3://billing/cur/m.json. Grant it in the IAM or "
            "bucket policy. AWS error code: AccessDenied, request id: 4442587FB7D0A2F9.");
  EXPECT_EQ(Map(Operation::kPut, Answer(403, ErrorXml("AccessDenied"))).code, ErrorCode::kPermission);
}

TEST(S3Errors, RetryableAnswers) {
  for (auto [status, code] : std::vector<std::pair<int, std::string>>{
           {500, "InternalError"}, {503, "SlowDown"}, {502, ""}, {504, ""}, {400, "RequestTimeout"}, {429, ""}}) {
    Error e = Map(Operation::kGet, Answer(status, code.empty() ? "" : ErrorXml(code)));
    EXPECT_EQ(e.code, ErrorCode::kRetryable) << status << code;
  }
  S3ErrorInfo info = ParseErrorResponse(Answer(503, ErrorXml("SlowDown"), {{"retry-after", "7"}}));
  EXPECT_EQ(info.retry_after, std::chrono::milliseconds(7000));
}

TEST(S3Errors, OtherClientErrorsAreNotRetried) {
  EXPECT_EQ(Map(Operation::kGet, Answer(400, ErrorXml("InvalidArgument"))).code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Map(Operation::kGet, Answer(404, ErrorXml("NoSuchBucket"))).code, ErrorCode::kNotFound);
  EXPECT_EQ(Map(Operation::kGet, Answer(412, ErrorXml("PreconditionFailed"))).code, ErrorCode::kConflict);
  EXPECT_EQ(Map(Operation::kHead, Answer(404, "")).code, ErrorCode::kNotFound);
}

TEST(S3Errors, ClockSkewGivesTheDifference) {
  Error e = Map(Operation::kList,
                Answer(403, ErrorXml("RequestTimeTooSkewed", "<RequestTime>20261129T070000Z</RequestTime>"
                                                             "<ServerTime>2026-11-29T08:00:30Z</ServerTime>")));
  EXPECT_EQ(e.code, ErrorCode::kAuth);
  EXPECT_EQ(e.message, "The local clock differs from S3's by -3630 seconds (S3 allows 15 minutes). Fix this "
                       "machine's clock (enable NTP time synchronisation) and try again. AWS error code: "
                       "RequestTimeTooSkewed, request id: 4442587FB7D0A2F9.");
}

TEST(S3Errors, RegionHintFromHeaderOrBody) {
  EXPECT_EQ(ParseErrorResponse(Answer(301, ErrorXml("PermanentRedirect"), {{"x-amz-bucket-region", "eu-west-1"}}))
                .region,
            "eu-west-1");
  EXPECT_EQ(ParseErrorResponse(Answer(400, ErrorXml("AuthorizationHeaderMalformed", "<Region>ap-south-1</Region>")))
                .region,
            "ap-south-1");
}

TEST(S3Errors, TransportFailureNamesHostAttemptsAndLastError) {
  TransportFailure f;
  f.curl_code = 7;
  f.message = "Failed to connect to 127.0.0.1 port 1: Connection refused";
  Error e = MapTransportFailure(RequestTarget{Operation::kGet, "billing", "k"}, f, "127.0.0.1:1", 5);
  EXPECT_EQ(e.code, ErrorCode::kRetryable);
  EXPECT_EQ(e.message, "The GET of s3://billing/k failed: cannot get an answer from 127.0.0.1:1 after 5 attempts; "
                       "last error: Failed to connect to 127.0.0.1 port 1: Connection refused.");
  f.tls_verification = true;
  f.retryable = false;
  f.message = "SSL certificate problem: self-signed certificate";
  Error tls = MapTransportFailure(RequestTarget{Operation::kGet, "billing", "k"}, f, "minio.local:9000", 1);
  EXPECT_EQ(tls.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(tls.message, "The TLS certificate of minio.local:9000 could not be verified: SSL certificate problem: "
                         "self-signed certificate. Pass the CA bundle that signed it (--ca-bundle) or fix the endpoint.");
}

TEST(Xml, ElementsAndEntities) {
  std::string doc = "<R><Key>a&amp;b &lt;c&gt; &quot;q&quot; &#39;s&#x27; &#xE9;</Key><KeyCount>2</KeyCount>"
                    "<Key>two</Key><Prefix/></R>";
  auto keys = xml::Elements(doc, "Key");
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(xml::Decode(keys[0]), "a&b <c> \"q\" 's' \xC3\xA9");
  EXPECT_EQ(keys[1], "two");
  EXPECT_EQ(xml::Text(doc, "KeyCount"), "2");
  EXPECT_EQ(xml::Text(doc, "Prefix"), "");
  EXPECT_EQ(xml::Text(doc, "Missing"), std::nullopt);
}

}  // namespace
}  // namespace billpipe::s3
