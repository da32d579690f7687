// Field ids are those of apache/parquet-format's parquet.thrift.
#include "parquet/metadata.h"

#include <fmt/format.h>

#include "parquet/thrift_compact.h"

namespace billpipe::parquet {
namespace {

using R = CompactReader;

// Reads an enum-valued i32 field; values outside [lo, hi] are kept as-is for the caller to refuse.
template <typename E>
E ReadEnum(R& r, CompactType t) {
  return static_cast<E>(r.ReadI32(t));
}

TimeUnit ReadTimeUnit(R& r) {
  TimeUnit unit = TimeUnit::kNone;
  r.BeginStruct();
  int16_t id;
  CompactType t;
  while (r.ReadFieldHeader(&id, &t)) {
    if (id == 1) unit = TimeUnit::kMillis;
    else if (id == 2) unit = TimeUnit::kMicros;
    else if (id == 3) unit = TimeUnit::kNanos;
    r.Skip(t);  // each is an empty struct
  }
  r.EndStruct();
  return unit;
}

LogicalType ReadLogicalType(R& r) {
  LogicalType lt;
  r.BeginStruct();
  int16_t id;
  CompactType t;
  while (r.ReadFieldHeader(&id, &t)) {
    if (t != CompactType::kStruct) {
      r.Skip(t);
      continue;
    }
    switch (id) {
      case 1: lt.kind = LogicalType::Kind::kString; r.Skip(t); break;
      case 2: lt.kind = LogicalType::Kind::kMap; r.Skip(t); break;
      case 3: lt.kind = LogicalType::Kind::kList; r.Skip(t); break;
      case 4: lt.kind = LogicalType::Kind::kEnum; r.Skip(t); break;
      case 6: lt.kind = LogicalType::Kind::kDate; r.Skip(t); break;
      case 12: lt.kind = LogicalType::Kind::kJson; r.Skip(t); break;
      case 5: {
        lt.kind = LogicalType::Kind::kDecimal;
        r.BeginStruct();
        int16_t fid;
        CompactType ft;
        while (r.ReadFieldHeader(&fid, &ft)) {
          if (fid == 1) lt.scale = r.ReadI32(ft);
          else if (fid == 2) lt.precision = r.ReadI32(ft);
          else r.Skip(ft);
        }
        r.EndStruct();
        break;
      }
      case 7:
      case 8: {
        lt.kind = id == 7 ? LogicalType::Kind::kTime : LogicalType::Kind::kTimestamp;
        r.BeginStruct();
        int16_t fid;
        CompactType ft;
        while (r.ReadFieldHeader(&fid, &ft)) {
          if (fid == 1) lt.adjusted_to_utc = r.ReadBool(ft);
          else if (fid == 2 && ft == CompactType::kStruct) lt.unit = ReadTimeUnit(r);
          else r.Skip(ft);
        }
        r.EndStruct();
        break;
      }
      case 10: {
        lt.kind = LogicalType::Kind::kInteger;
        r.BeginStruct();
        int16_t fid;
        CompactType ft;
        while (r.ReadFieldHeader(&fid, &ft)) {
          if (fid == 1) lt.bit_width = r.ReadI32(ft);
          else if (fid == 2) lt.is_signed = r.ReadBool(ft);
          else r.Skip(ft);
        }
        r.EndStruct();
        break;
      }
      default:
        lt.kind = LogicalType::Kind::kOther;
        lt.other_id = id;
        r.Skip(t);
    }
  }
  r.EndStruct();
  return lt;
}

SchemaElement ReadSchemaElement(R& r) {
  SchemaElement e;
  r.BeginStruct();
  int16_t id;
  CompactType t;
  while (r.ReadFieldHeader(&id, &t)) {
    switch (id) {
      case 1: e.type = ReadEnum<PhysicalType>(r, t); break;
      case 2: e.type_length = r.ReadI32(t); break;
      case 3: e.repetition = ReadEnum<Repetition>(r, t); break;
      case 4: e.name = std::string(r.ReadBinary(t)); break;
      case 5: e.num_children = r.ReadI32(t); break;
      case 6: e.converted = ReadEnum<ConvertedType>(r, t); break;
      case 7: e.scale = r.ReadI32(t); break;
      case 8: e.precision = r.ReadI32(t); break;
      case 10:
        if (t == CompactType::kStruct) e.logical = ReadLogicalType(r); else r.Skip(t);
        break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  return e;
}

ColumnMetaData ReadColumnMetaData(R& r) {
  ColumnMetaData m;
  r.BeginStruct();
  int16_t id;
  CompactType t;
  while (r.ReadFieldHeader(&id, &t)) {
    switch (id) {
      case 1: m.type = ReadEnum<PhysicalType>(r, t); break;
      case 2: {
        CompactType et;
        const uint32_t n = r.ReadListHeader(t, &et);
        for (uint32_t i = 0; i < n && r.ok(); ++i) m.encodings.push_back(ReadEnum<Encoding>(r, et));
        break;
      }
      case 3: {
        CompactType et;
        const uint32_t n = r.ReadListHeader(t, &et);
        for (uint32_t i = 0; i < n && r.ok(); ++i) m.path.emplace_back(r.ReadBinary(et));
        break;
      }
      case 4: m.codec = ReadEnum<Codec>(r, t); break;
      case 5: m.num_values = r.ReadI64(t); break;
      case 6: m.total_uncompressed_size = r.ReadI64(t); break;
      case 7: m.total_compressed_size = r.ReadI64(t); break;
      case 9: m.data_page_offset = r.ReadI64(t); break;
      case 11: m.dictionary_page_offset = r.ReadI64(t); break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  return m;
}

ColumnChunk ReadColumnChunk(R& r) {
  ColumnChunk c;
  r.BeginStruct();
  int16_t id;
  CompactType t;
  while (r.ReadFieldHeader(&id, &t)) {
    switch (id) {
      case 1: c.file_path = std::string(r.ReadBinary(t)); break;
      case 3:
        if (t == CompactType::kStruct) {
          c.meta = ReadColumnMetaData(r);
          c.has_meta_data = true;
        } else {
          r.Skip(t);
        }
        break;
      case 8:
      case 9: c.encrypted = true; r.Skip(t); break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  return c;
}

RowGroup ReadRowGroup(R& r) {
  RowGroup g;
  r.BeginStruct();
  int16_t id;
  CompactType t;
  while (r.ReadFieldHeader(&id, &t)) {
    switch (id) {
      case 1: {
        CompactType et;
        const uint32_t n = r.ReadListHeader(t, &et);
        if (et != CompactType::kStruct && n > 0) r.Fail("row group columns are not structures");
        for (uint32_t i = 0; i < n && r.ok(); ++i) g.columns.push_back(ReadColumnChunk(r));
        break;
      }
      case 2: g.total_byte_size = r.ReadI64(t); break;
      case 3: g.num_rows = r.ReadI64(t); break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  return g;
}

Status Check(const R& r, std::string_view what) {
  if (r.ok()) return Ok();
  return Fail(ErrorCode::kBadData, fmt::format("the {} is malformed: {}", what, r.error()));
}

}  // namespace

Result<FileMetaData> ParseFileMetaData(const uint8_t* data, size_t size) {
  R r(data, size);
  FileMetaData f;
  bool have_schema = false, have_rows = false, have_groups = false;
  r.BeginStruct();
  int16_t id;
  CompactType t;
  while (r.ReadFieldHeader(&id, &t)) {
    switch (id) {
      case 1: f.version = r.ReadI32(t); break;
      case 2: {
        CompactType et;
        const uint32_t n = r.ReadListHeader(t, &et);
        if (et != CompactType::kStruct && n > 0) r.Fail("schema elements are not structures");
        for (uint32_t i = 0; i < n && r.ok(); ++i) f.schema.push_back(ReadSchemaElement(r));
        have_schema = true;
        break;
      }
      case 3: f.num_rows = r.ReadI64(t); have_rows = true; break;
      case 4: {
        CompactType et;
        const uint32_t n = r.ReadListHeader(t, &et);
        if (et != CompactType::kStruct && n > 0) r.Fail("row groups are not structures");
        for (uint32_t i = 0; i < n && r.ok(); ++i) f.row_groups.push_back(ReadRowGroup(r));
        have_groups = true;
        break;
      }
      case 6: f.created_by = std::string(r.ReadBinary(t)); break;
      case 8: f.encrypted = true; r.Skip(t); break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  BP_RETURN_IF_ERROR(Check(r, "footer (FileMetaData)"));
  if (!have_schema || !have_rows || !have_groups) {
    return Fail(ErrorCode::kBadData, "the footer (FileMetaData) lacks its schema, row count or row groups");
  }
  return f;
}

Result<PageHeader> ParsePageHeader(const uint8_t* data, size_t size, size_t* header_size) {
  R r(data, size);
  PageHeader h;
  bool have_type = false, have_sizes = false;
  r.BeginStruct();
  int16_t id;
  CompactType t;
  while (r.ReadFieldHeader(&id, &t)) {
    switch (id) {
      case 1: h.type = ReadEnum<PageType>(r, t); have_type = true; break;
      case 2: h.uncompressed_page_size = r.ReadI32(t); break;
      case 3: h.compressed_page_size = r.ReadI32(t); have_sizes = true; break;
      case 4: h.crc = static_cast<uint32_t>(r.ReadI32(t)); break;
      case 5: {
        if (t != CompactType::kStruct) { r.Skip(t); break; }
        DataPageHeader d;
        r.BeginStruct();
        int16_t fid;
        CompactType ft;
        while (r.ReadFieldHeader(&fid, &ft)) {
          if (fid == 1) d.num_values = r.ReadI32(ft);
          else if (fid == 2) d.encoding = ReadEnum<Encoding>(r, ft);
          else if (fid == 3) d.definition_level_encoding = ReadEnum<Encoding>(r, ft);
          else if (fid == 4) d.repetition_level_encoding = ReadEnum<Encoding>(r, ft);
          else r.Skip(ft);
        }
        r.EndStruct();
        h.data = d;
        break;
      }
      case 7: {
        if (t != CompactType::kStruct) { r.Skip(t); break; }
        DictionaryPageHeader d;
        r.BeginStruct();
        int16_t fid;
        CompactType ft;
        while (r.ReadFieldHeader(&fid, &ft)) {
          if (fid == 1) d.num_values = r.ReadI32(ft);
          else if (fid == 2) d.encoding = ReadEnum<Encoding>(r, ft);
          else r.Skip(ft);
        }
        r.EndStruct();
        h.dictionary = d;
        break;
      }
      case 8: {
        if (t != CompactType::kStruct) { r.Skip(t); break; }
        DataPageHeaderV2 d;
        r.BeginStruct();
        int16_t fid;
        CompactType ft;
        while (r.ReadFieldHeader(&fid, &ft)) {
          switch (fid) {
            case 1: d.num_values = r.ReadI32(ft); break;
            case 2: d.num_nulls = r.ReadI32(ft); break;
            case 3: d.num_rows = r.ReadI32(ft); break;
            case 4: d.encoding = ReadEnum<Encoding>(r, ft); break;
            case 5: d.definition_levels_byte_length = r.ReadI32(ft); break;
            case 6: d.repetition_levels_byte_length = r.ReadI32(ft); break;
            case 7: d.is_compressed = r.ReadBool(ft); break;
            default: r.Skip(ft);
          }
        }
        r.EndStruct();
        h.data_v2 = d;
        break;
      }
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  BP_RETURN_IF_ERROR(Check(r, "page header"));
  if (!have_type || !have_sizes) return Fail(ErrorCode::kBadData, "the page header lacks its type or sizes");
  if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0) {
    return Fail(ErrorCode::kBadData, fmt::format("the page header gives a negative size ({} compressed, {} uncompressed)",
                                                 h.compressed_page_size, h.uncompressed_page_size));
  }
  *header_size = r.position();
  return h;
}

std::string_view PhysicalTypeName(PhysicalType type) {
  switch (type) {
    case PhysicalType::kBoolean: return "BOOLEAN";
    case PhysicalType::kInt32: return "INT32";
    case PhysicalType::kInt64: return "INT64";
    case PhysicalType::kInt96: return "INT96";
    case PhysicalType::kFloat: return "FLOAT";
    case PhysicalType::kDouble: return "DOUBLE";
    case PhysicalType::kByteArray: return "BYTE_ARRAY";
    case PhysicalType::kFixedLenByteArray: return "FIXED_LEN_BYTE_ARRAY";
  }
  return "unknown type";
}

std::string_view EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kPlain: return "PLAIN";
    case Encoding::kPlainDictionary: return "PLAIN_DICTIONARY";
    case Encoding::kRle: return "RLE";
    case Encoding::kBitPacked: return "BIT_PACKED";
    case Encoding::kDeltaBinaryPacked: return "DELTA_BINARY_PACKED";
    case Encoding::kDeltaLengthByteArray: return "DELTA_LENGTH_BYTE_ARRAY";
    case Encoding::kDeltaByteArray: return "DELTA_BYTE_ARRAY";
    case Encoding::kRleDictionary: return "RLE_DICTIONARY";
    case Encoding::kByteStreamSplit: return "BYTE_STREAM_SPLIT";
  }
  return "unknown encoding";
}

std::string_view CodecName(Codec codec) {
  switch (codec) {
    case Codec::kUncompressed: return "UNCOMPRESSED";
    case Codec::kSnappy: return "SNAPPY";
    case Codec::kGzip: return "GZIP";
    case Codec::kLzo: return "LZO";
    case Codec::kBrotli: return "BROTLI";
    case Codec::kLz4: return "LZ4";
    case Codec::kZstd: return "ZSTD";
    case Codec::kLz4Raw: return "LZ4_RAW";
  }
  return "unknown codec";
}

}  // namespace billpipe::parquet
