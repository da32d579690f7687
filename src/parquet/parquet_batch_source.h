// The Parquet batch source (table/batch_source.h): one Parquet file, read through a RandomAccessSource
// (parquet/file_reader.h: footer first, then one row group at a time, only the columns read), yielding
// the same typed table::ColumnBatches the CSV source does.
//
// Columns: the file's top-level fields in the file's order, each typed as BatchSourceOptions::expected
// says for its name (exact match; Athena and Data Exports files already use their final names). A field
// not among `expected` is refused (kBadData naming it), as a CSV header is; a file with more fields
// than MaxFileColumns(expected.size()) is refused before any is read. Values convert as CSV text would:
//   String            text as stored (NULL stays NULL); numbers, booleans, decimals, timestamps and
//                     dates as their text (doubles in the shortest form that reads back exactly)
//   OptionalString    the same, with the empty string NULL
//   BigDecimal, OptionalBigDecimal  DECIMAL exactly; INT32/INT64 exactly; DOUBLE/FLOAT through the
//                     shortest decimal text that reads back as the same double ("0.1", not
//                     0.1000000000000000055511151231257827); text parsed as CSV does ("" is NULL)
//   DateTime          TIMESTAMP (micros), DATE (midnight UTC); text parsed as CSV does ("" is NULL)
//   Interval          text parsed as CSV does
//   MAP<string,string> as JSON object text (parquet/column_values.h)
// A column whose Parquet kind cannot become its type (a boolean for a DateTime column, say) is refused
// when the file is opened (kBadData naming file, column and both types). A value that does not convert
// (text that is not a timestamp, a non-finite double for a decimal) is a RowError of kind kBadValue
// with the 1-based row number of the file as its line and 0 as its offset, handled by the policy.
//
// Memory: the reader's bound (ReaderOptions: one row group's selected compressed chunks, one page per
// column) plus one batch of kParquetBatchRows rows. Not thread-safe.
#pragma once

#include <memory>

#include "parquet/file_reader.h"
#include "table/batch_source.h"
#include "util/random_access_source.h"

namespace billpipe::parquet {

inline constexpr size_t kParquetBatchRows = 2048;

Result<std::unique_ptr<table::BatchSource>> OpenParquetBatchSource(std::unique_ptr<RandomAccessSource> file,
                                                                    const table::BatchSourceOptions& options,
                                                                    const ReaderOptions& reader_options = {});

// The column type a field of this kind holds when no report says otherwise: timestamps and dates
// DateTime, numbers BigDecimal, everything else String.
table::ColumnType DefaultColumnType(ValueKind kind);

}  // namespace billpipe::parquet
