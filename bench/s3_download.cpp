// Benchmark helper for bench/s3_download: uploads, presigns and downloads with billpipe's S3 client.
//   s3_download put ENDPOINT BUCKET KEY FILE
//   s3_download presign ENDPOINT BUCKET KEY          prints a presigned GET URL (for curl)
//   s3_download get ENDPOINT BUCKET KEY [PARALLEL]   downloads, discards, prints "BYTES SECONDS"
// Credentials from the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include "aws/sigv4.h"
#include "s3/client.h"

using namespace billpipe;

namespace {

class FileSource final : public ByteSource {
 public:
  explicit FileSource(const std::string& path) : in_(path, std::ios::binary), path_(path) {}
  Result<size_t> Read(std::span<char> out) override {
    in_.read(out.data(), static_cast<std::streamsize>(out.size()));
    return static_cast<size_t>(in_.gcount());
  }
  std::string Describe() const override { return path_; }

 private:
  std::ifstream in_;
  std::string path_;
};

int Die(const Error& e) {
  std::cerr << e.message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: s3_download put|presign|get ENDPOINT BUCKET KEY [FILE|PARALLEL]\n";
    return 2;
  }
  std::string mode = argv[1], endpoint = argv[2], bucket = argv[3], key = argv[4];
  s3::ClientOptions options;
  options.endpoint_url = endpoint;
  auto client = s3::S3Client::Make(options);
  if (!client) return Die(client.error());
  s3::S3Client& c = **client;

  if (mode == "put") {
    FileSource file(argv[5]);
    auto size = std::filesystem::file_size(argv[5]);
    auto s = c.Put(bucket, key, file, size);
    return s ? 0 : Die(s.error());
  }
  if (mode == "presign") {
    std::string host = endpoint.substr(endpoint.find("://") + 3);
    aws::SignableRequest r;
    r.path = "/" + bucket + "/" + key;
    r.headers = {{"host", host}};
    aws::SigningParams p;
    p.region = c.RegionOf(bucket);
    p.time = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    p.payload_hash = "UNSIGNED-PAYLOAD";
    const char* id = std::getenv("AWS_ACCESS_KEY_ID");
    const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
    aws::SignedRequest s = aws::PresignRequest(r, {id ? id : "", secret ? secret : "", ""}, p);
    std::cout << endpoint << aws::EncodedPath(r.path) << "?" << aws::EncodedQuery(s.query) << "\n";
    return 0;
  }
  int parallel = argc > 5 ? std::atoi(argv[5]) : 1;
  auto start = std::chrono::steady_clock::now();
  uint64_t total = 0;
  if (parallel <= 1) {
    auto source = c.Open(bucket, key);
    if (!source) return Die(source.error());
    std::vector<char> buf(1 << 20);
    for (;;) {
      auto n = (*source)->Read(buf);
      if (!n) return Die(n.error());
      if (*n == 0) break;
      total += *n;
    }
  } else {
    auto head = c.Head(bucket, key);
    if (!head) return Die(head.error());
    uint64_t part = (head->size + static_cast<uint64_t>(parallel) - 1) / static_cast<uint64_t>(parallel);
    std::vector<std::thread> threads;
    std::vector<uint64_t> got(static_cast<size_t>(parallel), 0);
    for (int i = 0; i < parallel; ++i) {
      threads.emplace_back([&, i] {
        uint64_t off = part * static_cast<uint64_t>(i);
        if (off >= head->size) return;
        auto source = c.Open(bucket, key, {off, static_cast<int64_t>(std::min(part, head->size - off)), head->etag});
        if (!source) return;
        std::vector<char> buf(1 << 20);
        for (;;) {
          auto n = (*source)->Read(buf);
          if (!n || *n == 0) break;
          got[static_cast<size_t>(i)] += *n;
        }
      });
    }
    for (auto& t : threads) t.join();
    for (auto g : got) total += g;
    if (total != head->size) {
      std::cerr << "parallel download got " << total << " of " << head->size << " bytes\n";
      return 1;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << total << " " << seconds << "\n";
  return 0;
}
