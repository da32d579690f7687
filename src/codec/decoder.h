// Choosing the decompressor for a file: from the manifest's compression or the file's extension.
#pragma once

#include <memory>
#include <string_view>

#include "util/byte_source.h"
#include "util/status.h"

namespace billpipe::codec {

enum class Compression { kNone, kGzip, kZip };

// "GZIP" / "ZIP" as a CUR manifest's `compression` writes it (case-insensitive); "" / "NONE" → kNone.
// Anything else → kUnsupported naming the valid choices (e.g. "Parquet" is not a stream compression).
Result<Compression> CompressionFromName(std::string_view name);

// From a key or path: ".gz" / ".gzip" → kGzip, ".zip" → kZip, otherwise kNone (case-insensitive).
Compression CompressionFromExtension(std::string_view path);

std::string_view CompressionName(Compression compression);  // "GZIP", "ZIP", "NONE"

// Wraps `raw` in the decoder for `compression` (kNone returns `raw` itself).
std::unique_ptr<ByteSource> OpenDecoder(std::unique_ptr<ByteSource> raw, Compression compression);

}  // namespace billpipe::codec
