// libFuzzer target: the CSV scanner on arbitrary bytes. Oracle: scanning the same bytes with a different
// buffer size, batch size and source chunking gives exactly the same header, rows, lines and errors;
// every accepted field is valid UTF-8 and every accepted row has as many fields as the header.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "csv/csv_scanner.h"
#include "util/utf8.h"

namespace {

using namespace billpipe;

class Chunked final : public ByteSource {
 public:
  Chunked(std::string data, size_t chunk) : data_(std::move(data)), chunk_(chunk) {}
  Result<size_t> Read(std::span<char> out) override {
    size_t n = std::min({out.size(), chunk_, data_.size() - pos_});
    std::copy_n(data_.data() + pos_, n, out.data());
    pos_ += n;
    return n;
  }
  std::string Describe() const override { return "fuzz"; }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
};

std::string Scan(const std::string& data, size_t buffer, size_t batch, size_t chunk, csv::RowErrorPolicy policy,
                 bool allow_avx2) {
  csv::CsvOptions options;
  options.allow_avx2 = allow_avx2;
  options.buffer_size = buffer;
  options.batch_rows = batch;
  options.max_row_bytes = 1 << 16;
  options.policy = policy;
  auto scanner = csv::CsvScanner::Open(std::make_unique<Chunked>(data, chunk), options);
  if (!scanner) return "open error: " + scanner.error().message;
  std::string out;
  for (const auto& h : (*scanner)->header()) out += "H" + h + "\x1f";
  // Rows and rejected rows in line order (a batch lists its rejected rows apart).
  std::vector<std::pair<int64_t, std::string>> items;
  csv::RecordBatch b;
  std::string error;
  while (true) {
    auto more = (*scanner)->NextBatch(b);
    if (!more) {
      error = "error: " + more.error().message;
      break;
    }
    if (!*more) break;
    for (size_t r = 0; r < b.num_rows(); ++r) {
      std::string row = "R" + std::to_string(b.line(r)) + ":" + std::to_string(b.offset(r));
      if (b.num_columns() != (*scanner)->num_columns()) std::abort();
      for (size_t c = 0; c < b.num_columns(); ++c) {
        if (!billpipe::IsValidUtf8(b.field(r, c))) std::abort();
        row += "\x1f" + std::string(b.field(r, c));
      }
      items.emplace_back(b.line(r), row + "\x1e");
    }
    for (const auto& e : b.rejected()) items.emplace_back(e.line, "E" + e.Message() + "\x1e");
  }
  std::stable_sort(items.begin(), items.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  for (const auto& [line, text] : items) out += text;
  out += error;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t knob = data[0];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto policy = (knob & 1) ? csv::RowErrorPolicy::kSkip : csv::RowErrorPolicy::kFail;
  // Small buffers, batches and reads with the SSE2 block scanner against large ones with AVX2 (where the
  // CPU has it): the same rows and errors.
  const std::string a = Scan(text, 64 + (knob >> 1), 1 + (knob & 7), 1 + (knob >> 3), policy, false);
  const std::string b = Scan(text, 1 << 16, 4096, 1 << 20, policy, true);
  if (a != b) {
    fprintf(stderr, "A=%s\n---\nB=%s\n", a.c_str(), b.c_str());
    std::abort();
  }
  return 0;
}
