// Compresses a CSV stream into an ObjectOutput as a CUR data file: gzip (".csv.gz") or a ZIP archive
// with one deflated CSV member (".csv.zip"). Both use ISA-L's igzip at level 1 (the fastest level
// that still compresses CUR text about 7:1) and produce the same bytes for the same input.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "codec/decoder.h"
#include "curgen/object_writer.h"
#include "util/status.h"

namespace billpipe::curgen {

// The one compression type (codec/decoder.h); the generator writes kGzip or kZip. Names and file
// suffixes: codec::CompressionName ("GZIP", "ZIP", as a manifest says it), cur::DataFileSuffix.
using codec::Compression;

// Streams text in, compressed bytes out. Write may be called any number of times; Finish writes the
// trailer (and for ZIP the central directory), closes the output and returns the object's size.
class CompressedOutput {
 public:
  CompressedOutput() = default;
  CompressedOutput(const CompressedOutput&) = delete;
  CompressedOutput& operator=(const CompressedOutput&) = delete;
  virtual ~CompressedOutput() = default;

  virtual Status Write(std::string_view text) = 0;
  virtual Result<uint64_t> Finish() = 0;
};

struct ZipMemberInfo {
  std::string name;       // the CSV member's name, e.g. "report-1.csv"
  uint16_t dos_date = 0;  // MS-DOS date and time stamped on the member (fixed, for reproducible files)
  uint16_t dos_time = 0;
};

// gzip: one member, no file name, modification time 0.
std::unique_ptr<CompressedOutput> NewGzipOutput(std::unique_ptr<ObjectOutput> out);
// ZIP: one member without ZIP64, so the uncompressed CSV must stay below 4 GiB (else kUnsupported:
// use more files per period).
std::unique_ptr<CompressedOutput> NewZipOutput(std::unique_ptr<ObjectOutput> out, ZipMemberInfo member);

}  // namespace billpipe::curgen
