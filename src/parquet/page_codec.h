// Decompression of Parquet pages: UNCOMPRESSED, SNAPPY, GZIP and ZSTD. Other codecs are kUnsupported.
#pragma once

#include <string>
#include <string_view>

#include "parquet/metadata.h"
#include "util/status.h"

namespace billpipe::parquet {

// Decompresses `in` into *out, which must come to exactly `uncompressed_size` bytes (the page header's
// size, checked against the bound by the caller). kBadData when the data is corrupt or its size differs.
Status DecompressPage(Codec codec, std::string_view in, size_t uncompressed_size, std::string* out);

}  // namespace billpipe::parquet
