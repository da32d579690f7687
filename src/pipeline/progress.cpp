#include "pipeline/progress.h"

#include <fmt/format.h>

namespace billpipe::pipeline {

std::string GroupThousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string FormatBytes(int64_t bytes) {
  double b = static_cast<double>(bytes);
  if (b >= 1e9) return fmt::format("{:.2f} GB", b / 1e9);
  if (b >= 1e6) return fmt::format("{:.1f} MB", b / 1e6);
  if (b >= 1e3) return fmt::format("{:.1f} kB", b / 1e3);
  return fmt::format("{} B", bytes);
}

std::string FormatProgress(const ProgressCounters& c, std::chrono::duration<double> elapsed) {
  int64_t read = c.compressed_read.load(), total = c.compressed_total.load();
  int64_t rows = c.line_items.load();
  double secs = std::max(elapsed.count(), 1e-3);
  std::string line = fmt::format("{} of {}, {}/{} files, {} line items, {}/s", FormatBytes(read), FormatBytes(total),
                                 c.files_done.load(), c.files_total.load(), GroupThousands(rows),
                                 GroupThousands(static_cast<int64_t>(static_cast<double>(rows) / secs)));
  if (read > 0 && total > read) {
    auto left = static_cast<int64_t>(secs * static_cast<double>(total - read) / static_cast<double>(read));
    line += fmt::format(", {}:{:02} left", left / 60, left % 60);
  }
  return line;
}

ProgressReporter::ProgressReporter(const ProgressCounters& counters, FILE* out, std::chrono::milliseconds interval)
    : counters_(counters), out_(out), interval_(interval), start_(std::chrono::steady_clock::now()) {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
      std::string line = FormatProgress(counters_, std::chrono::steady_clock::now() - start_);
      fmt::print(out_, "\r\033[K{}", line);
      std::fflush(out_);
    }
    fmt::print(out_, "\r\033[K");
    std::fflush(out_);
  });
}

void ProgressReporter::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

ProgressReporter::~ProgressReporter() { Stop(); }

}  // namespace billpipe::pipeline
