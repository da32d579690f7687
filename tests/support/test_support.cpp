#include "test_support.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

extern char** environ;

namespace billpipe::testing {
namespace fs = std::filesystem;

fs::path SourceDir() { return fs::path(BILLPIPE_SOURCE_DIR); }

fs::path SharedDir() {
  const char* env = std::getenv("BILLPIPE_SHARED_DIR");
  fs::path p = env != nullptr ? fs::path(env) : SourceDir().parent_path() / "shared";
  if (fs::exists(p / "testdata")) return p;
  MissingShared(p.string() + "/testdata");
  return fs::path();
}

void MissingShared(const std::string& what) {
  const char* ci = std::getenv("CI");
  if (ci != nullptr && std::string_view(ci) == "true") {
    ADD_FAILURE() << what << " is missing and CI=true: the tests that read ../shared must run in CI, not skip. "
                  << "Check out the shared test data beside the repository (or set BILLPIPE_SHARED_DIR).";
  }
}

fs::path BillpipeBinary() { return fs::path(BILLPIPE_BINARY); }

TempDir::TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp ? tmp : "/tmp") + "/billpipe-test-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {

struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (pipe2(fd, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  }
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
  void CloseRead() { close(fd[0]), fd[0] = -1; }
  void CloseWrite() { close(fd[1]), fd[1] = -1; }
};

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> MergedEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    std::string name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& x : extra) overridden |= x.substr(0, x.find('=')) == name;
    if (!overridden) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

}  // namespace

namespace {
std::pair<int, int> SpawnJsonPortServer(std::vector<std::string>& argv, const std::string& what);
}  // namespace

std::unique_ptr<S3TestServer> S3TestServer::Start(const Options& options) {
  std::unique_ptr<S3TestServer> server(new S3TestServer());
  std::vector<std::string> argv = {"node", "--openssl-legacy-provider",
                                   (SourceDir() / "testing/s3/server.js").string(),
                                   "--dir", server->dir_.path().string(),
                                   "--parent-pid", std::to_string(getpid()),
                                   "--key", std::string(kTestAccessKey) + ":" + kTestSecretKey};
  for (const auto& [id, secret] : options.extra_keys) {
    argv.push_back("--key");
    argv.push_back(id + ":" + secret);
  }
  for (const auto& b : options.buckets) {
    argv.push_back("--bucket");
    argv.push_back(b);
  }
  for (const auto& r : options.bucket_regions) {
    argv.push_back("--bucket-region");
    argv.push_back(r);
  }
  for (const auto& d : options.denies) {
    argv.push_back("--deny");
    argv.push_back(d);
  }
  for (const auto& seed : options.seeds) {
    argv.push_back("--seed");
    argv.push_back(seed);
  }
  if (!options.temp_keys_file.empty()) {
    argv.push_back("--temp-keys");
    argv.push_back(options.temp_keys_file);
  }
  auto [pid, port] = SpawnJsonPortServer(argv, "S3 test server");
  server->pid_ = pid;
  server->port_ = port;
  return server;
}

namespace {

// Spawns a node server that prints {"port":N} on its first line; returns its pid and port.
std::pair<int, int> SpawnJsonPortServer(std::vector<std::string>& argv, const std::string& what) {
  Pipe out;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], STDOUT_FILENO);
  auto args = CStrings(argv);
  pid_t pid;
  int rc = posix_spawnp(&pid, "node", &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error(std::string("cannot start node: ") + std::strerror(rc));
  out.CloseWrite();

  // Wait for the {"port":N} line.
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      throw std::runtime_error(what + " did not start within 30 s");
    }
    pollfd p{out.fd[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[256];
    ssize_t n = read(out.fd[0], buf, sizeof buf);
    if (n <= 0) {
      waitpid(pid, nullptr, 0);
      throw std::runtime_error(what + " exited before it answered (is node installed? run scripts/setup)");
    }
    line.append(buf, static_cast<size_t>(n));
  }
  return {pid, nlohmann::json::parse(line.substr(0, line.find('\n'))).at("port").get<int>()};
}

void StopByPid(int pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  int status;
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
}

size_t AppendToString(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

}  // namespace

S3TestServer::~S3TestServer() { StopByPid(pid_); }

std::pair<int, int> StartNodeServer(std::vector<std::string> argv, const std::string& what) {
  return SpawnJsonPortServer(argv, what);
}

void StopServer(int pid) { StopByPid(pid); }

std::unique_ptr<FaultProxy> FaultProxy::Start(const std::string& upstream_endpoint) {
  std::unique_ptr<FaultProxy> proxy(new FaultProxy());
  std::vector<std::string> argv = {"node", (SourceDir() / "testing/s3/fault_proxy.js").string(), "--upstream",
                                   upstream_endpoint, "--parent-pid", std::to_string(getpid())};
  auto [pid, port] = SpawnJsonPortServer(argv, "fault proxy");
  proxy->pid_ = pid;
  proxy->port_ = port;
  return proxy;
}

FaultProxy::~FaultProxy() { StopByPid(pid_); }

std::string FaultProxy::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string FaultProxy::Control(const std::string& method, const std::string& body) {
  CURL* curl = curl_easy_init();
  std::string url = endpoint() + "/__faults";
  std::string out;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendToString);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) throw std::runtime_error(std::string("fault proxy control: ") + curl_easy_strerror(rc));
  return out;
}

void FaultProxy::SetFaults(const std::string& rules_json) { Control("PUT", "{\"faults\":" + rules_json + "}"); }

std::string FaultProxy::LogJson() { return nlohmann::json::parse(Control("GET", "")).at("log").dump(); }

std::string S3TestServer::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

CommandResult RunCommand(const std::vector<std::string>& argv_in, const std::vector<std::string>& env_extra,
                         const std::string* stdin_text) {
  std::vector<std::string> argv = argv_in;
  auto env = MergedEnvironment(env_extra);
  Pipe out, err, in;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], STDERR_FILENO);
  if (stdin_text) {
    posix_spawn_file_actions_adddup2(&actions, in.fd[0], STDIN_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  auto args = CStrings(argv);
  auto envp = CStrings(env);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(rc));
  out.CloseWrite();
  err.CloseWrite();
  in.CloseRead();
  std::thread writer;
  if (stdin_text) {
    writer = std::thread([&] {
      size_t off = 0;
      while (off < stdin_text->size()) {
        ssize_t n = write(in.fd[1], stdin_text->data() + off, stdin_text->size() - off);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
      in.CloseWrite();
    });
  } else {
    in.CloseWrite();
  }
  CommandResult result;
  pollfd fds[2] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[65536];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  if (writer.joinable()) writer.join();
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

CommandResult RunBillpipe(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  std::vector<std::string> argv = {BillpipeBinary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, env);
}

pid_t SpawnBillpipe(const std::vector<std::string>& args, const std::vector<std::string>& env_extra,
                    const std::filesystem::path& output) {
  std::vector<std::string> argv = {BillpipeBinary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto env = MergedEnvironment(env_extra);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  auto cargs = CStrings(argv);
  auto envp = CStrings(env);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, cargs.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

}  // namespace billpipe::testing
