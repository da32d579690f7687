// libFuzzer target: a column chunk (page headers, levels, values, dictionaries) on arbitrary bytes, read
// by ColumnChunkReader for a column chosen by the first two bytes (physical and logical type, codec,
// optional or required, map key). Oracle: no crash, no sanitizer report, bounded memory; the reader ends
// in values or an error.
#include <cstdint>
#include <string>
#include <string_view>

#include "parquet/column_chunk_reader.h"

using namespace billpipe;
using namespace billpipe::parquet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t a = data[0], b = data[1];
  LeafColumn leaf;
  leaf.path = "c";
  leaf.element.type = static_cast<PhysicalType>(a % 8);
  leaf.element.type_length = 1 + (b % 20);
  leaf.max_def = (a >> 3) % 3;
  leaf.max_rep = leaf.max_def > 0 ? (a >> 5) % 2 : 0;
  switch ((b >> 5) % 4) {
    case 0:
      leaf.kind = ValueKind::kInt64;
      break;
    case 1:
      leaf.element.converted = ConvertedType::kDecimal;
      leaf.kind = ValueKind::kDecimal;
      leaf.scale = 2;
      break;
    case 2:
      leaf.kind = ValueKind::kTimestamp;
      leaf.unit = static_cast<TimeUnit>(1 + b % 3);
      break;
    default:
      leaf.kind = ValueKind::kString;
  }
  // Keep the kind consistent with the physical type, as BuildSchema does.
  switch (*leaf.element.type) {
    case PhysicalType::kBoolean: leaf.kind = ValueKind::kBoolean; break;
    case PhysicalType::kFloat:
    case PhysicalType::kDouble: leaf.kind = ValueKind::kDouble; break;
    case PhysicalType::kInt96: leaf.kind = ValueKind::kTimestamp; break;
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray:
      if (leaf.kind != ValueKind::kDecimal) leaf.kind = ValueKind::kString;
      break;
    default:
      if (leaf.kind == ValueKind::kString) leaf.kind = ValueKind::kInt64;
  }
  ColumnMetaData meta;
  meta.type = *leaf.element.type;
  const Codec codecs[] = {Codec::kUncompressed, Codec::kSnappy, Codec::kGzip, Codec::kZstd};
  meta.codec = codecs[(b >> 3) % 4];
  meta.num_values = 1 << 20;
  PageLimits limits;
  limits.max_page_bytes = 1 << 20;
  limits.max_page_values = 1 << 16;
  limits.verify_crc = (a & 0x80) != 0;
  std::string_view chunk(reinterpret_cast<const char*>(data) + 2, size - 2);
  ColumnChunkReader reader(leaf, meta, chunk, limits);
  ColumnValues out;
  out.kind = leaf.kind;
  for (int i = 0; i < 1 << 18; ++i) {
    auto more = reader.HasLevel();
    if (!more || !*more) break;
    if (reader.has_value()) {
      reader.AppendValue(out);
    } else {
      out.AppendNull();
    }
    reader.Advance();
    if (out.size() > 4096) out.Clear();
  }
  return 0;
}
