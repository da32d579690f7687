// libFuzzer target: a Parquet footer (FileMetaData in the Thrift compact protocol) on arbitrary bytes,
// wrapped as a file and opened by FileReader, which also builds the schema and checks every row group.
// Oracle: no crash, no sanitizer report, bounded memory; when it opens, selecting and reading every
// supported column ends (in values or an error).
#include <cstdint>
#include <cstring>
#include <string>

#include "parquet/file_reader.h"

using namespace billpipe;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string file = "PAR1";
  file.append(reinterpret_cast<const char*>(data), size);
  const auto len = static_cast<uint32_t>(size);
  file.append(reinterpret_cast<const char*>(&len), 4);
  file += "PAR1";
  parquet::ReaderOptions options;
  options.max_row_group_bytes = 1 << 20;
  options.pages.max_page_bytes = 1 << 20;
  options.pages.max_page_values = 1 << 16;
  auto reader = parquet::FileReader::Open(std::make_unique<StringRandomAccessSource>(std::move(file)), options);
  if (!reader) return 0;
  std::vector<size_t> fields;
  for (size_t i = 0; i < (*reader)->schema().fields.size(); ++i) {
    if ((*reader)->schema().fields[i].unsupported.empty()) fields.push_back(i);
  }
  if (!(*reader)->Select(fields)) return 0;
  std::vector<parquet::ColumnValues> batch;
  for (int i = 0; i < 1000; ++i) {
    auto more = (*reader)->NextBatch(1024, batch);
    if (!more || !*more) break;
  }
  return 0;
}
