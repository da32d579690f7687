// Shared helpers for billpipe's tests: temporary directories, the S3 double, running the binary.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace billpipe::testing {

// The source tree and ../shared (empty path when shared/ is not beside the checkout, or
// BILLPIPE_SHARED_DIR names a folder without testdata/). A missing ../shared makes the calling test
// skip — except under CI=true, where it is a failure (MissingShared).
std::filesystem::path SourceDir();
std::filesystem::path SharedDir();
// Under CI=true, records a failure of the running test saying `what` of ../shared is missing.
void MissingShared(const std::string& what);
// The billpipe binary built with these tests.
std::filesystem::path BillpipeBinary();

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Test credentials the S3 double accepts.
inline constexpr const char* kTestAccessKey = "AKIAIOSFODNN7TESTKEY";
inline constexpr const char* kTestSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYTESTSECRET";

// The S3 double (testing/s3/server.js: @20minutes/s3rver, which verifies SigV4) on a free loopback
// port with a fresh directory. Started by Start, stopped by its PID on destruction; it also exits by
// itself when the test process dies.
class S3TestServer {
 public:
  struct Options {
    std::vector<std::string> buckets = {"billing"};
    // Key pairs accepted besides kTestAccessKey:kTestSecretKey.
    std::vector<std::pair<std::string, std::string>> extra_keys;
    // "NAME=REGION" or "NAME=REGION:redirect": the bucket lives in another region (server.js --bucket-region).
    std::vector<std::string> bucket_regions;
    // "s3:ListBucket=BUCKET" or "s3:GetObject=BUCKET/KEYPREFIX": refused with AccessDenied (server.js --deny).
    std::vector<std::string> denies;
    // "BUCKET/PREFIX:COUNT": COUNT one-byte objects PREFIX00000 ... stored at start (server.js --seed).
    std::vector<std::string> seeds;
    // Temporary keys the AWS sign-in double issues (server.js --temp-keys): accepted until they expire.
    std::string temp_keys_file;
  };
  static std::unique_ptr<S3TestServer> Start(const Options& options);
  static std::unique_ptr<S3TestServer> Start() { return Start(Options{}); }
  ~S3TestServer();
  S3TestServer(const S3TestServer&) = delete;
  S3TestServer& operator=(const S3TestServer&) = delete;

  int port() const { return port_; }
  std::string endpoint() const;  // "http://127.0.0.1:PORT"

 private:
  S3TestServer() = default;
  TempDir dir_;
  int pid_ = -1;
  int port_ = 0;
};

// The fault-injecting proxy (testing/s3/fault_proxy.js) in front of an upstream endpoint, on a free
// loopback port. Stopped by its PID on destruction. Faults are JSON rules (see fault_proxy.js):
//   proxy->SetFaults(R"([{"action":"truncate","path":"/billing/big","after_bytes":1000}])");
class FaultProxy {
 public:
  static std::unique_ptr<FaultProxy> Start(const std::string& upstream_endpoint);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  std::string endpoint() const;  // "http://127.0.0.1:PORT"
  // Replaces the rules (a JSON array) and clears the request log.
  void SetFaults(const std::string& rules_json);
  void Clear() { SetFaults("[]"); }
  // The requests seen since the last SetFaults: a JSON array of {method, path, range, fault}.
  std::string LogJson();

 private:
  FaultProxy() = default;
  std::string Control(const std::string& method, const std::string& body);
  int pid_ = -1;
  int port_ = 0;
};

// Starts a node server (argv[0] "node") that prints {"port":N} first; returns its pid and port.
// Throws when it does not start within 30 s. StopServer ends it by pid (SIGTERM, then SIGKILL).
std::pair<int, int> StartNodeServer(std::vector<std::string> argv, const std::string& what);
void StopServer(int pid);

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv (argv[0] a path) with extra environment entries "NAME=VALUE", stdin from /dev/null or
// the given text, and collects its output.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                         const std::string* stdin_text = nullptr);

// Runs the billpipe binary with args.
CommandResult RunBillpipe(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

// Starts the billpipe binary in the background (stdin /dev/null, stdout and stderr appended to output)
// and returns its pid; the caller waits for it. Spawned, not forked: after fork() in a process with
// threads (the S3 double's readers, test servers) the child must not allocate before exec, or it can
// hang on a lock another thread held.
pid_t SpawnBillpipe(const std::vector<std::string>& args, const std::vector<std::string>& env,
                    const std::filesystem::path& output);

}  // namespace billpipe::testing
