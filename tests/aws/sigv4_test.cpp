// The worked examples of the S3 documentation ("Signature Calculations for the Authorization Header:
// Transferring Payload in a Single Chunk" and "Authenticating Requests: Using Query Parameters"), with
// AWS's published values, so the signer is checked even without the shared suite.
#include "aws/sigv4.h"

#include <gtest/gtest.h>

namespace billpipe::aws {
namespace {

const Credentials kDocCredentials{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
constexpr const char* kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SigningParams DocParams() {
  SigningParams p;
  p.region = "us-east-1";
  p.service = "s3";
  p.time = SysTime(std::chrono::sys_days(std::chrono::year{2013} / 5 / 24));
  return p;
}

std::string Header(const SignedRequest& s, const std::string& name) {
  for (const auto& [n, v] : s.headers)
    if (n == name) return v;
  return "";
}

TEST(SigV4S3Examples, GetObjectWithRange) {
  SignableRequest r;
  r.path = "/test.txt";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}};
  SignedRequest s = SignRequest(r, kDocCredentials, DocParams());
  EXPECT_EQ(s.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(Header(s, "authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(Header(s, "x-amz-content-sha256"), kEmptyHash);
  EXPECT_EQ(Header(s, "x-amz-date"), "20130524T000000Z");
}

TEST(SigV4S3Examples, PutObjectWithSpecialCharacterInKey) {
  SignableRequest r;
  r.method = "PUT";
  r.path = "/test$file.text";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
               {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  SigningParams p = DocParams();
  p.payload_hash = Sha256Hex("Welcome to Amazon S3.");
  EXPECT_EQ(p.payload_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SignedRequest s = SignRequest(r, kDocCredentials, p);
  EXPECT_EQ(s.canonical_request.substr(0, s.canonical_request.find('\n', 4)), "PUT\n/test%24file.text");
  EXPECT_EQ(s.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4S3Examples, GetBucketLifecycleEmptyQueryValue) {
  SignableRequest r;
  r.query = {{"lifecycle", ""}};
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  SignedRequest s = SignRequest(r, kDocCredentials, DocParams());
  EXPECT_EQ(s.canonical_request.substr(0, 16), "GET\n/\nlifecycle=");
  EXPECT_EQ(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4S3Examples, ListObjects) {
  SignableRequest r;
  r.query = {{"prefix", "J"}, {"max-keys", "2"}};  // sorted by the signer
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  SignedRequest s = SignRequest(r, kDocCredentials, DocParams());
  EXPECT_EQ(s.canonical_request,
            "GET\n/\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4S3Examples, PresignedUrl) {
  SignableRequest r;
  r.path = "/test.txt";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  SigningParams p = DocParams();
  p.payload_hash = "UNSIGNED-PAYLOAD";
  p.expires = std::chrono::seconds(86400);
  SignedRequest s = PresignRequest(r, kDocCredentials, p);
  EXPECT_EQ(s.canonical_request,
            "GET\n/test.txt\n"
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F"
            "aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\n"
            "host:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD");
  EXPECT_EQ(s.signature, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  EXPECT_EQ(s.query.back(), (NameValue{"X-Amz-Signature", s.signature}));
}

TEST(SigV4, S3PathIsNotNormalisedAndEncodedPerRfc3986) {
  SignableRequest r;
  r.path = "/cur/a b//../r+e=p~.csv.gz";
  r.query = {{"prefix", "a/b c&d"}, {"list-type", "2"}};
  r.headers = {{"host", "h"}};
  SignedRequest s = SignRequest(r, kDocCredentials, DocParams());
  EXPECT_EQ(s.canonical_request.substr(0, s.canonical_request.find("\nhost:")),
            "GET\n/cur/a%20b//../r%2Be%3Dp~.csv.gz\nlist-type=2&prefix=a%2Fb%20c%26d");
}

TEST(SigV4, SessionTokenIsSignedAsHeader) {
  SignableRequest r;
  r.headers = {{"host", "h"}};
  Credentials c = kDocCredentials;
  c.session_token = "TOKEN/+=";
  SignedRequest s = SignRequest(r, c, DocParams());
  EXPECT_EQ(Header(s, "x-amz-security-token"), "TOKEN/+=");
  EXPECT_NE(s.canonical_request.find("x-amz-security-token:TOKEN/+=\n"), std::string::npos);
  EXPECT_NE(Header(s, "authorization").find("x-amz-date;x-amz-security-token,"), std::string::npos);
}

TEST(SigV4, AmzDateFormatsUtc) {
  SysTime t = SysTime(std::chrono::sys_days(std::chrono::year{2026} / 1 / 2)) + std::chrono::hours(3) +
              std::chrono::minutes(4) + std::chrono::seconds(5) + std::chrono::milliseconds(999);
  EXPECT_EQ(AmzDate(t), "20260102T030405Z");
  EXPECT_EQ(AmzDay(t), "20260102");
}

}  // namespace
}  // namespace billpipe::aws
