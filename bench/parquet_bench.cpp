// Decodes one Parquet file with billpipe's Parquet batch source, as a run does (every column, typed by its
// Parquet type: timestamps, exact decimals from DOUBLE costs, text), and totals the cost column exactly.
//   parquet_bench FILE [COST_COLUMN]     prints rows=N cost=X seconds=S
// Built by bench/parquet (cmake target parquet_bench); see docs/bench.md, "Parquet".
#include <chrono>
#include <cstdio>
#include <string>

#include "parquet/file_reader.h"
#include "parquet/parquet_batch_source.h"
#include "table/decimal.h"
#include "util/random_access_source.h"

using namespace billpipe;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: parquet_bench FILE [COST_COLUMN]\n");
    return 2;
  }
  const std::string cost_name = argc > 2 ? argv[2] : "line_item_unblended_cost";
  const auto start = std::chrono::steady_clock::now();
  // The columns and their types from the footer (what a run without a manifest does).
  auto probe_file = LocalFileRandomAccessSource::Open(argv[1]);
  if (!probe_file) return std::fprintf(stderr, "%s\n", probe_file.error().message.c_str()), 1;
  auto probe = parquet::FileReader::Open(std::move(*probe_file));
  if (!probe) return std::fprintf(stderr, "%s\n", probe.error().message.c_str()), 1;
  table::BatchSourceOptions options;
  for (const auto& f : (*probe)->schema().fields) {
    options.expected.push_back(table::ColumnSchema{f.name, parquet::DefaultColumnType(f.kind)});
  }
  auto file = LocalFileRandomAccessSource::Open(argv[1]);
  if (!file) return std::fprintf(stderr, "%s\n", file.error().message.c_str()), 1;
  auto source = parquet::OpenParquetBatchSource(std::move(*file), options);
  if (!source) return std::fprintf(stderr, "%s\n", source.error().message.c_str()), 1;
  int cost = -1;
  for (size_t i = 0; i < (*source)->schema().size(); ++i) {
    if ((*source)->schema()[i].name == cost_name) cost = static_cast<int>(i);
  }
  table::ColumnBatch batch;
  table::Decimal total;
  int64_t rows = 0;
  while (true) {
    auto more = (*source)->NextBatch(batch);
    if (!more) return std::fprintf(stderr, "%s\n", more.error().message.c_str()), 1;
    if (!*more) break;
    rows += static_cast<int64_t>(batch.num_rows());
    if (cost < 0) continue;
    const table::Column& c = batch.column(static_cast<size_t>(cost));
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      if (c.is_null(r)) continue;
      auto sum = table::Decimal::Add(total, c.decimal[r]);
      if (sum) total = *sum;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("rows=%lld cost=%s seconds=%.3f\n", static_cast<long long>(rows), total.ToString().c_str(), seconds);
  return 0;
}
