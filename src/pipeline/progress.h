// Counters a run updates from its worker threads, and a reporter that shows them on a terminal.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace billpipe::pipeline {

struct ProgressCounters {
  std::atomic<int64_t> compressed_total{0};  // bytes of all files to read (from the listing)
  std::atomic<int64_t> compressed_read{0};   // bytes downloaded so far
  std::atomic<int64_t> line_items{0};        // rows read so far (before filtering)
  std::atomic<int64_t> files_total{0};
  std::atomic<int64_t> files_done{0};
};

// One status line, e.g. "45.2 MB of 120.0 MB, 2/5 files, 1,234,567 line items, 310,482/s, 0:12 left".
std::string FormatProgress(const ProgressCounters& counters, std::chrono::duration<double> elapsed);

// "1,234,567"
std::string GroupThousands(int64_t n);
// "120.0 MB"
std::string FormatBytes(int64_t bytes);

// Redraws the status line on `out` (a terminal) every interval until stopped or destroyed, then
// clears it.
class ProgressReporter {
 public:
  ProgressReporter(const ProgressCounters& counters, FILE* out,
                   std::chrono::milliseconds interval = std::chrono::milliseconds(500));
  ~ProgressReporter();
  void Stop();

 private:
  const ProgressCounters& counters_;
  FILE* out_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace billpipe::pipeline
