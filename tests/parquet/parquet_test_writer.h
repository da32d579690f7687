// A tiny Parquet writer for tests: one column, pages given as bytes, every header field settable, so
// tests can build what DuckDB does not write (INT96, DELTA_BYTE_ARRAY, CRCs) and hostile files (lying
// sizes, bad indices, absurd row counts). Written from parquet.thrift's field ids, like src/parquet.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "codec/inflater.h"
#include "parquet/encodings.h"
#include "parquet/metadata.h"

namespace billpipe::parquet::test {

inline std::string Uleb(uint64_t v) {
  std::string out;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v) b |= 0x80;
    out.push_back(static_cast<char>(b));
  } while (v);
  return out;
}

inline std::string Le32(uint32_t v) {
  std::string s(4, '\0');
  std::memcpy(s.data(), &v, 4);
  return s;
}

// The Thrift compact protocol, writing side: enough for FileMetaData and PageHeader.
class CompactWriter {
 public:
  void I32(int16_t id, int64_t v) { Int(id, 5, v); }
  void I64(int16_t id, int64_t v) { Int(id, 6, v); }
  void Bool(int16_t id, bool v) { Header(id, v ? 1 : 2); }
  void Binary(int16_t id, const std::string& v) {
    Header(id, 8);
    out += Uleb(v.size());
    out += v;
  }
  void BeginStruct(int16_t id) {
    Header(id, 12);
    last_.push_back(0);
  }
  void EndStruct() {
    out.push_back(0);
    last_.pop_back();
  }
  // A list of structs: call BeginElement / EndStruct n times.
  void BeginList(int16_t id, uint8_t element_type, uint32_t n) {
    Header(id, 9);
    if (n < 15) {
      out.push_back(static_cast<char>((n << 4) | element_type));
    } else {
      out.push_back(static_cast<char>(0xf0 | element_type));
      out += Uleb(n);
    }
  }
  void BeginElement() { last_.push_back(0); }
  void ListI32(int64_t v) { out += Uleb(Zigzag(v)); }
  void ListBinary(const std::string& v) {
    out += Uleb(v.size());
    out += v;
  }
  void Stop() { out.push_back(0); }

  std::string out;

 private:
  static uint64_t Zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
  void Int(int16_t id, uint8_t type, int64_t v) {
    Header(id, type);
    out += Uleb(Zigzag(v));
  }
  void Header(int16_t id, uint8_t type) {
    const int delta = id - last_.back();
    if (delta > 0 && delta <= 15) {
      out.push_back(static_cast<char>((delta << 4) | type));
    } else {
      out.push_back(static_cast<char>(type));
      out += Uleb(Zigzag(id));
    }
    last_.back() = id;
  }
  std::vector<int16_t> last_{0};
};

struct TestPage {
  PageType type = PageType::kDataPage;
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  std::string body;                          // as stored (this writer does not compress)
  std::optional<int32_t> compressed_size;    // default: body.size()
  std::optional<int32_t> uncompressed_size;  // default: body.size()
  bool crc = false;                          // write the body's CRC-32
  std::optional<uint32_t> crc_value;         // write this CRC instead
  // v2 only
  int32_t num_nulls = 0;
  int32_t def_length = 0;
};

struct TestColumn {
  std::string name = "c";
  PhysicalType type = PhysicalType::kInt32;
  Repetition repetition = Repetition::kRequired;
  int32_t type_length = 0;
  std::optional<ConvertedType> converted;
  int32_t scale = 0, precision = 0;
  Codec codec = Codec::kUncompressed;
};

inline std::string PageHeaderBytes(const TestPage& p) {
  CompactWriter w;
  w.I32(1, static_cast<int32_t>(p.type));
  w.I32(2, p.uncompressed_size.value_or(static_cast<int32_t>(p.body.size())));
  w.I32(3, p.compressed_size.value_or(static_cast<int32_t>(p.body.size())));
  if (p.crc_value || p.crc) {
    const uint32_t crc = p.crc_value ? *p.crc_value
                                     : codec::Crc32(0, reinterpret_cast<const uint8_t*>(p.body.data()), p.body.size());
    w.I32(4, static_cast<int32_t>(crc));
  }
  if (p.type == PageType::kDataPage) {
    w.BeginStruct(5);
    w.I32(1, p.num_values);
    w.I32(2, static_cast<int32_t>(p.encoding));
    w.I32(3, static_cast<int32_t>(Encoding::kRle));
    w.I32(4, static_cast<int32_t>(Encoding::kRle));
    w.EndStruct();
  } else if (p.type == PageType::kDictionaryPage) {
    w.BeginStruct(7);
    w.I32(1, p.num_values);
    w.I32(2, static_cast<int32_t>(p.encoding));
    w.EndStruct();
  } else if (p.type == PageType::kDataPageV2) {
    w.BeginStruct(8);
    w.I32(1, p.num_values);
    w.I32(2, p.num_nulls);
    w.I32(3, p.num_values);
    w.I32(4, static_cast<int32_t>(p.encoding));
    w.I32(5, p.def_length);
    w.I32(6, 0);
    w.Bool(7, false);
    w.EndStruct();
  }
  w.Stop();
  return w.out;
}

// A file with one column in one row group holding `pages`. num_rows / num_values default to the sum of
// the data pages' values.
inline std::string WriteTestFile(const TestColumn& c, const std::vector<TestPage>& pages,
                                 std::optional<int64_t> num_rows = std::nullopt) {
  std::string file = "PAR1";
  int64_t values = 0;
  std::optional<int64_t> dictionary_offset;
  int64_t data_offset = -1;
  for (const TestPage& p : pages) {
    if (p.type == PageType::kDictionaryPage && !dictionary_offset) dictionary_offset = static_cast<int64_t>(file.size());
    if (p.type != PageType::kDictionaryPage) {
      values += p.num_values;
      if (data_offset < 0) data_offset = static_cast<int64_t>(file.size());
    }
    file += PageHeaderBytes(p);
    file += p.body;
  }
  if (data_offset < 0) data_offset = static_cast<int64_t>(file.size());
  const int64_t chunk_size = static_cast<int64_t>(file.size()) - 4;
  const int64_t rows = num_rows.value_or(values);
  CompactWriter w;
  w.I32(1, 1);
  w.BeginList(2, 12, 2);
  w.BeginElement();  // root
  w.Binary(4, "schema");
  w.I32(5, 1);
  w.EndStruct();
  w.BeginElement();
  w.I32(1, static_cast<int32_t>(c.type));
  if (c.type_length) w.I32(2, c.type_length);
  w.I32(3, static_cast<int32_t>(c.repetition));
  w.Binary(4, c.name);
  if (c.converted) w.I32(6, static_cast<int32_t>(*c.converted));
  if (c.converted == ConvertedType::kDecimal) {
    w.I32(7, c.scale);
    w.I32(8, c.precision);
  }
  w.EndStruct();
  w.I64(3, rows);
  w.BeginList(4, 12, 1);
  w.BeginElement();  // RowGroup
  w.BeginList(1, 12, 1);
  w.BeginElement();  // ColumnChunk
  w.I64(2, 4);
  w.BeginStruct(3);  // ColumnMetaData
  w.I32(1, static_cast<int32_t>(c.type));
  w.BeginList(2, 5, 1);
  w.ListI32(0);
  w.BeginList(3, 8, 1);
  w.ListBinary(c.name);
  w.I32(4, static_cast<int32_t>(c.codec));
  w.I64(5, num_rows.value_or(values));
  w.I64(6, chunk_size);
  w.I64(7, chunk_size);
  w.I64(9, data_offset);
  if (dictionary_offset) w.I64(11, *dictionary_offset);
  w.EndStruct();
  w.EndStruct();  // ColumnChunk
  w.I64(2, chunk_size);
  w.I64(3, rows);
  w.EndStruct();  // RowGroup
  w.Stop();
  file += w.out;
  file += Le32(static_cast<uint32_t>(w.out.size()));
  file += "PAR1";
  return file;
}

// Encoders for page bodies.
inline std::string PlainInt32(const std::vector<int32_t>& v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.data(), s.size());
  return s;
}
inline std::string PlainByteArray(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += Le32(static_cast<uint32_t>(x.size())) + x;
  return s;
}
// One RLE run of `count` copies of value (bit width ≤ 8).
inline std::string RleRun(uint32_t count, uint8_t value) { return Uleb(uint64_t{count} << 1) + std::string(1, static_cast<char>(value)); }
// Bit-packed values (LSB first), padded to a multiple of 8.
inline std::string BitPacked(std::vector<uint32_t> v, int width) {
  while (v.size() % 8) v.push_back(0);
  std::string bits(v.size() * static_cast<size_t>(width) / 8, '\0');
  size_t bit = 0;
  for (uint32_t x : v) {
    for (int b = 0; b < width; ++b, ++bit) {
      if ((x >> b) & 1) bits[bit / 8] = static_cast<char>(bits[bit / 8] | (1 << (bit % 8)));
    }
  }
  return Uleb(((v.size() / 8) << 1) | 1) + bits;
}
// DELTA_BINARY_PACKED with blocks of 128 values in 4 miniblocks.
inline std::string DeltaBinaryPacked(const std::vector<int64_t>& v) {
  std::string s = Uleb(128) + Uleb(4) + Uleb(v.size());
  auto zz = [](int64_t x) { return (static_cast<uint64_t>(x) << 1) ^ static_cast<uint64_t>(x >> 63); };
  s += Uleb(v.empty() ? 0 : zz(v[0]));
  for (size_t i = 1; i < v.size(); i += 128) {
    std::vector<int64_t> deltas;
    for (size_t j = i; j < std::min(v.size(), i + 128); ++j) deltas.push_back(v[j] - v[j - 1]);
    const int64_t min = *std::min_element(deltas.begin(), deltas.end());
    s += Uleb(zz(min));
    std::string widths, data;
    for (size_t m = 0; m < 4; ++m) {
      if (m * 32 >= deltas.size()) {
        widths.push_back(0);
        continue;
      }
      std::vector<uint64_t> mini;
      for (size_t k = m * 32; k < m * 32 + 32; ++k) {
        mini.push_back(k < deltas.size() ? static_cast<uint64_t>(deltas[k] - min) : 0);
      }
      uint64_t max = 0;
      for (uint64_t x : mini) max |= x;
      const int width = BitWidthOf(max);
      widths.push_back(static_cast<char>(width));
      std::string bits(32 * static_cast<size_t>(width) / 8, '\0');
      size_t bit = 0;
      for (uint64_t x : mini) {
        for (int b = 0; b < width; ++b, ++bit) {
          if ((x >> b) & 1) bits[bit / 8] = static_cast<char>(bits[bit / 8] | (1 << (bit % 8)));
        }
      }
      data += bits;
    }
    s += widths + data;
  }
  return s;
}

}  // namespace billpipe::parquet::test
