#include "parquet/column_chunk_reader.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "codec/inflater.h"
#include "parquet/encodings.h"
#include "parquet/page_codec.h"

namespace billpipe::parquet {
namespace {

using table::Int128;
using table::UInt128;

Error Bad(std::string message) { return Error(ErrorCode::kBadData, std::move(message)); }

uint32_t LoadU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

template <typename T>
T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

void PushInt(ColumnValues& out, int64_t v) {
  out.null.push_back(0);
  out.ints.push_back(v);
}

// 10^38: decimals must stay below it (table::Decimal's limit).
constexpr Int128 kTenTo38 = [] {
  Int128 v = 1;
  for (int i = 0; i < 38; ++i) v *= 10;
  return v;
}();

}  // namespace

ColumnChunkReader::ColumnChunkReader(const LeafColumn& leaf, const ColumnMetaData& meta, std::string_view chunk,
                                     PageLimits limits)
    : leaf_(leaf), meta_(meta), chunk_(chunk), limits_(limits), max_def_(leaf.max_def), max_rep_(leaf.max_rep) {
  dictionary_.kind = leaf.kind;
  values_.kind = leaf.kind;
}

Result<bool> ColumnChunkReader::HasLevel() {
  while (level_ >= levels_) {
    if (at_end_) return false;
    BP_RETURN_IF_ERROR(LoadPage());
  }
  if (level_ >= window_end_) BP_RETURN_IF_ERROR(FillLevels());
  if (dictionary_encoded_ && has_value() && value_ >= index_end_) BP_RETURN_IF_ERROR(FillIndices(1));
  return true;
}

Status ColumnChunkReader::FillLevels() {
  // Without levels (a required, unrepeated column) the window is the rest of the page.
  const size_t m = max_def_ == 0 && max_rep_ == 0 ? levels_ - level_ : std::min(kWindow, levels_ - level_);
  window_begin_ = level_;
  window_end_ = level_ + m;
  if (max_def_ > 0) {
    def_.resize(m);
    BP_RETURN_IF_ERROR(def_decoder_.Next(def_));
  }
  if (max_rep_ > 0) {
    rep_.resize(m);
    BP_RETURN_IF_ERROR(rep_decoder_.Next(rep_));
  }
  return Ok();
}

Status ColumnChunkReader::FillIndices(size_t need) {
  // Keep the indices not used yet, then decode up to a window's worth more.
  const size_t keep = index_end_ - value_;
  std::copy(indices_.begin() + static_cast<std::ptrdiff_t>(value_ - index_begin_),
            indices_.begin() + static_cast<std::ptrdiff_t>(index_end_ - index_begin_), indices_.begin());
  const size_t total = std::min(std::max(need, kWindow), present_ - value_);
  if (total < need) return Fail(Bad("the page's levels and dictionary indices disagree"));
  indices_.resize(total);
  std::span<uint32_t> fresh = std::span<uint32_t>(indices_).subspan(keep);
  BP_RETURN_IF_ERROR(index_decoder_.Next(fresh));
  const size_t size = dictionary_.size();
  for (uint32_t i : fresh) {
    if (i >= size) {
      return Fail(Bad(fmt::format("dictionary index {} is out of range (the dictionary has {} values)", i, size)));
    }
  }
  index_begin_ = value_;
  index_end_ = value_ + total;
  return Ok();
}

void ColumnChunkReader::AppendValue(ColumnValues& out) const {
  if (dictionary_encoded_) {
    out.AppendFrom(dictionary_, indices_[value_ - index_begin_]);
  } else {
    out.AppendFrom(values_, value_);
  }
}

Status ColumnChunkReader::ReadFlat(size_t n, ColumnValues& out, size_t* done) {
  *done = 0;
  while (*done < n) {
    BP_ASSIGN_OR_RETURN(bool more, HasLevel());
    if (!more) break;
    const size_t k = std::min(n - *done, window_end_ - level_);
    if (dictionary_encoded_) {
      size_t values = k;
      if (max_def_ > 0) {
        const uint32_t* def = def_.data() + (level_ - window_begin_);
        values = 0;
        for (size_t i = 0; i < k; ++i) values += def[i] == static_cast<uint32_t>(max_def_);
      }
      if (value_ + values > index_end_) BP_RETURN_IF_ERROR(FillIndices(values));
    }
    AppendRun(k, out);
    *done += k;
  }
  return Ok();
}

void ColumnChunkReader::AppendRun(size_t k, ColumnValues& out) {
  const ColumnValues& src = dictionary_encoded_ ? dictionary_ : values_;
  const uint32_t* def = max_def_ == 0 ? nullptr : def_.data() + (level_ - window_begin_);
  const uint32_t* index = dictionary_encoded_ ? indices_.data() : nullptr;
  const size_t index_begin = index_begin_;
  const auto max_def = static_cast<uint32_t>(max_def_);
  const size_t base = out.null.size();
  out.null.resize(base + k);
  uint8_t* null = out.null.data() + base;
  size_t v = value_;
  // One loop per kind: the value of level i is src[index ? index[v] : v] when the level is defined.
  auto loop = [&](auto&& append) {
    for (size_t i = 0; i < k; ++i) {
      const bool has = def == nullptr || def[i] == max_def;
      null[i] = !has;
      append(has, has ? (index ? index[v - index_begin] : v) : 0);
      v += has;
    }
  };
  switch (out.kind) {
    case ValueKind::kBoolean:
    case ValueKind::kInt64:
    case ValueKind::kDate: {
      out.ints.resize(base + k);
      int64_t* o = out.ints.data() + base;
      const int64_t* in = src.ints.data();
      size_t i = 0;
      loop([&](bool has, size_t at) { o[i++] = has ? in[at] : 0; });
      break;
    }
    case ValueKind::kTimestamp: {
      out.ints.resize(base + k);
      out.nanos.resize(base + k);
      int64_t* o = out.ints.data() + base;
      int32_t* on = out.nanos.data() + base;
      size_t i = 0;
      loop([&](bool has, size_t at) {
        o[i] = has ? src.ints[at] : 0;
        on[i++] = has ? src.nanos[at] : 0;
      });
      break;
    }
    case ValueKind::kDouble: {
      out.doubles.resize(base + k);
      double* o = out.doubles.data() + base;
      const double* in = src.doubles.data();
      size_t i = 0;
      loop([&](bool has, size_t at) { o[i++] = has ? in[at] : 0; });
      break;
    }
    case ValueKind::kDecimal: {
      out.decimals.resize(base + k);
      table::Decimal* o = out.decimals.data() + base;
      size_t i = 0;
      loop([&](bool has, size_t at) { o[i++] = has ? src.decimals[at] : table::Decimal(); });
      break;
    }
    case ValueKind::kString:
    case ValueKind::kMapJson: {
      loop([&](bool has, size_t at) {
        if (has) out.bytes.append(src.text(at));
        out.text_end.push_back(out.bytes.size());
      });
      break;
    }
  }
  value_ = v;
  level_ += k;
}

std::string_view ColumnChunkReader::CurrentText() const {
  return dictionary_encoded_ ? dictionary_.text(indices_[value_ - index_begin_]) : values_.text(value_);
}

Status ColumnChunkReader::LoadPage() {
  while (true) {
    if (pos_ >= chunk_.size()) {
      at_end_ = true;
      levels_ = level_ = 0;
      return Ok();
    }
    const size_t page_at = pos_;
    size_t header_size = 0;
    auto parsed = ParsePageHeader(reinterpret_cast<const uint8_t*>(chunk_.data()) + pos_, chunk_.size() - pos_,
                                  &header_size);
    if (!parsed) return Fail(parsed.error().Context(fmt::format("page at byte {} of the column chunk", page_at)));
    const PageHeader& header = *parsed;
    const size_t body_at = pos_ + header_size;
    const auto compressed = static_cast<size_t>(header.compressed_page_size);
    if (compressed > chunk_.size() - body_at) {
      return Fail(Bad(fmt::format("the page at byte {} of the column chunk claims {} compressed bytes, but only {} "
                                  "are left in the chunk",
                                  page_at, compressed, chunk_.size() - body_at)));
    }
    std::string_view body = chunk_.substr(body_at, compressed);
    pos_ = body_at + compressed;
    if (header.crc && limits_.verify_crc) {
      const uint32_t crc = codec::Crc32(0, reinterpret_cast<const uint8_t*>(body.data()), body.size());
      if (crc != *header.crc) {
        return Fail(Bad(fmt::format("the page at byte {} of the column chunk fails its CRC check (stored {:08x}, "
                                    "computed {:08x})",
                                    page_at, *header.crc, crc)));
      }
    }
    if (static_cast<uint32_t>(header.uncompressed_page_size) > limits_.max_page_bytes) {
      return Fail(ErrorCode::kUnsupported,
                  fmt::format("the page at byte {} of the column chunk is {} bytes uncompressed, above billpipe's "
                              "bound of {} bytes per page",
                              page_at, header.uncompressed_page_size, limits_.max_page_bytes));
    }
    switch (header.type) {
      case PageType::kDictionaryPage: {
        if (!header.dictionary) return Fail(Bad("a dictionary page has no dictionary page header"));
        if (have_dictionary_ || levels_done_ > 0) return Fail(Bad("a dictionary page follows another page"));
        BP_RETURN_IF_ERROR(ReadDictionary(header, body));
        continue;
      }
      case PageType::kDataPage:
      case PageType::kDataPageV2: {
        BP_RETURN_IF_ERROR(DecodeDataPage(header, body));
        if (levels_ == 0) continue;
        return Ok();
      }
      case PageType::kIndexPage:
        continue;
    }
    return Fail(Bad(fmt::format("the page at byte {} of the column chunk has unknown type {}", page_at,
                                static_cast<int>(header.type))));
  }
}

Status ColumnChunkReader::ReadDictionary(const PageHeader& header, std::string_view body) {
  const DictionaryPageHeader& d = *header.dictionary;
  if (d.encoding != Encoding::kPlain && d.encoding != Encoding::kPlainDictionary) {
    return Fail(ErrorCode::kUnsupported, fmt::format("dictionary pages in {} encoding", EncodingName(d.encoding)));
  }
  if (d.num_values < 0 || static_cast<uint32_t>(d.num_values) > limits_.max_page_values) {
    return Fail(Bad(fmt::format("the dictionary page claims {} values (the bound is {})", d.num_values,
                                limits_.max_page_values)));
  }
  BP_RETURN_IF_ERROR(DecompressPage(meta_.codec, body, static_cast<size_t>(header.uncompressed_page_size),
                                    &dictionary_buffer_));
  dictionary_.Clear();
  BP_RETURN_IF_ERROR(DecodePlain(dictionary_buffer_, static_cast<size_t>(d.num_values), dictionary_));
  have_dictionary_ = true;
  return Ok();
}

Status ColumnChunkReader::DecodeDataPage(const PageHeader& header, std::string_view body) {
  int64_t n;
  Encoding encoding;
  std::string_view rep_data, def_data, values;
  bool v1 = header.type == PageType::kDataPage;
  if (v1) {
    if (!header.data) return Fail(Bad("a data page has no data page header"));
    n = header.data->num_values;
    encoding = header.data->encoding;
  } else {
    if (!header.data_v2) return Fail(Bad("a v2 data page has no v2 data page header"));
    n = header.data_v2->num_values;
    encoding = header.data_v2->encoding;
  }
  if (n < 0 || n > static_cast<int64_t>(limits_.max_page_values)) {
    return Fail(Bad(fmt::format("a data page claims {} values (the bound is {})", n, limits_.max_page_values)));
  }
  if (levels_done_ + n > meta_.num_values) {
    return Fail(Bad(fmt::format("the data pages hold more values than the column chunk's {}", meta_.num_values)));
  }
  const auto count = static_cast<size_t>(n);
  if (v1) {
    BP_RETURN_IF_ERROR(DecompressPage(meta_.codec, body, static_cast<size_t>(header.uncompressed_page_size),
                                      &page_buffer_));
    std::string_view data = page_buffer_;
    auto take_levels = [&](int max_level, Encoding level_encoding, std::string_view* out) -> Status {
      if (max_level == 0) return Ok();
      if (level_encoding != Encoding::kRle) {
        return Fail(ErrorCode::kUnsupported, fmt::format("levels in {} encoding", EncodingName(level_encoding)));
      }
      if (data.size() < 4) return Fail(Bad("the page ends inside its levels' length"));
      const uint32_t len = LoadU32(data.data());
      if (len > data.size() - 4) {
        return Fail(Bad(fmt::format("the page's levels claim {} bytes, but the page has {} left", len, data.size() - 4)));
      }
      *out = data.substr(4, len);
      data.remove_prefix(4 + len);
      return Ok();
    };
    BP_RETURN_IF_ERROR(take_levels(max_rep_, header.data->repetition_level_encoding, &rep_data));
    BP_RETURN_IF_ERROR(take_levels(max_def_, header.data->definition_level_encoding, &def_data));
    values = data;
  } else {
    const DataPageHeaderV2& h = *header.data_v2;
    const int64_t rl = h.repetition_levels_byte_length, dl = h.definition_levels_byte_length;
    if (rl < 0 || dl < 0 || rl + dl > static_cast<int64_t>(body.size()) || rl + dl > header.uncompressed_page_size) {
      return Fail(Bad(fmt::format("the v2 page's level lengths ({} and {} bytes) do not fit its {} bytes", rl, dl,
                                  body.size())));
    }
    rep_data = body.substr(0, static_cast<size_t>(rl));
    def_data = body.substr(static_cast<size_t>(rl), static_cast<size_t>(dl));
    std::string_view rest = body.substr(static_cast<size_t>(rl + dl));
    const auto values_size = static_cast<size_t>(header.uncompressed_page_size - rl - dl);
    if (h.is_compressed && meta_.codec != Codec::kUncompressed && !(values_size == 0 && rest.empty())) {
      BP_RETURN_IF_ERROR(DecompressPage(meta_.codec, rest, values_size, &page_buffer_));
      values = page_buffer_;
    } else {
      if (rest.size() != values_size) {
        return Fail(Bad(fmt::format("the uncompressed v2 page has {} value bytes, but its header says {}",
                                    rest.size(), values_size)));
      }
      values = rest;
    }
  }
  rep_decoder_ = RleHybridDecoder(rep_data, BitWidthOf(static_cast<uint64_t>(max_rep_)));
  def_decoder_ = RleHybridDecoder(def_data, BitWidthOf(static_cast<uint64_t>(max_def_)));
  // Every level is checked, and the values counted, now, through copies of the decoders (which decode the
  // levels again as they are read).
  size_t present = count;
  if (max_def_ > 0) {
    RleHybridDecoder check = def_decoder_;
    Status s = check.Skim(count, static_cast<uint32_t>(max_def_), &present);
    if (!s) return Fail(Bad(fmt::format("definition levels: {}", s.error().message)));
  }
  if (max_rep_ > 0) {
    RleHybridDecoder check = rep_decoder_;
    size_t ignored = 0;
    Status s = check.Skim(count, static_cast<uint32_t>(max_rep_), &ignored);
    if (!s) return Fail(Bad(fmt::format("repetition levels: {}", s.error().message)));
  }
  window_begin_ = window_end_ = 0;
  present_ = present;
  index_begin_ = index_end_ = 0;
  indices_.clear();
  values_.Clear();
  dictionary_encoded_ = false;
  BP_RETURN_IF_ERROR(DecodeValues(encoding, values, present, values_));
  levels_ = count;
  level_ = 0;
  value_ = 0;
  levels_done_ += n;
  return Ok();
}

Status ColumnChunkReader::DecodeValues(Encoding encoding, std::string_view data, size_t count, ColumnValues& out) {
  const PhysicalType type = *leaf_.element.type;
  auto wrong_type = [&]() {
    return Fail(Bad(fmt::format("{} encoding is not valid for {} values", EncodingName(encoding),
                                PhysicalTypeName(type))));
  };
  switch (encoding) {
    case Encoding::kPlain:
      return DecodePlain(data, count, out);
    case Encoding::kPlainDictionary:
    case Encoding::kRleDictionary: {
      if (!have_dictionary_) return Fail(Bad("a dictionary-encoded page has no dictionary page before it"));
      dictionary_encoded_ = true;  // the indices are decoded as they are read (FillIndices)
      if (count == 0) return Ok();
      if (data.empty()) return Fail(Bad("a dictionary-encoded page has no bit width"));
      const int width = static_cast<uint8_t>(data[0]);
      if (width > kMaxRleBitWidth) {
        return Fail(Bad(fmt::format("dictionary indices have bit width {}, over the maximum of {}", width,
                                    kMaxRleBitWidth)));
      }
      index_decoder_ = RleHybridDecoder(data.substr(1), width);
      return Ok();
    }
    case Encoding::kRle: {
      if (type != PhysicalType::kBoolean) return wrong_type();
      if (data.size() < 4) return Fail(Bad("RLE boolean data has no length"));
      const uint32_t len = LoadU32(data.data());
      if (len > data.size() - 4) return Fail(Bad("RLE boolean data is shorter than its length"));
      std::vector<uint32_t> bits(count);
      BP_RETURN_IF_ERROR(DecodeRleHybrid(data.substr(4, len), 1, bits));
      for (uint32_t v : bits) PushInt(out, v);
      return Ok();
    }
    case Encoding::kDeltaBinaryPacked: {
      if (type != PhysicalType::kInt32 && type != PhysicalType::kInt64) return wrong_type();
      size_t used = 0;
      BP_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, count, &scratch_ints_, &used));
      if (scratch_ints_.size() != count) {
        return Fail(Bad(fmt::format("DELTA_BINARY_PACKED data holds {} values where the page has {}",
                                    scratch_ints_.size(), count)));
      }
      for (int64_t v : scratch_ints_) {
        if (type == PhysicalType::kInt32) {
          const auto raw = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v)));
          const bool is_unsigned = (leaf_.element.logical.kind == LogicalType::Kind::kInteger &&
                                    !leaf_.element.logical.is_signed) ||
                                   leaf_.element.converted == ConvertedType::kUint32 ||
                                   leaf_.element.converted == ConvertedType::kUint16 ||
                                   leaf_.element.converted == ConvertedType::kUint8;
          BP_RETURN_IF_ERROR(AddInt64(is_unsigned ? static_cast<int64_t>(static_cast<uint32_t>(raw)) : raw, out));
        } else {
          BP_RETURN_IF_ERROR(AddInt64(v, out));
        }
      }
      return Ok();
    }
    case Encoding::kDeltaLengthByteArray:
    case Encoding::kDeltaByteArray: {
      if (type != PhysicalType::kByteArray && type != PhysicalType::kFixedLenByteArray) return wrong_type();
      std::vector<int64_t> prefixes;
      size_t pos = 0;
      if (encoding == Encoding::kDeltaByteArray) {
        size_t used = 0;
        BP_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, count, &prefixes, &used));
        if (prefixes.size() != count) return Fail(Bad("DELTA_BYTE_ARRAY prefix lengths do not match the page"));
        pos = used;
      }
      size_t used = 0;
      BP_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data.substr(pos), count, &scratch_ints_, &used));
      if (scratch_ints_.size() != count) return Fail(Bad("DELTA_LENGTH_BYTE_ARRAY lengths do not match the page"));
      pos += used;
      std::string previous, current;
      for (size_t i = 0; i < count; ++i) {
        const int64_t len = scratch_ints_[i];
        if (len < 0 || static_cast<uint64_t>(len) > data.size() - pos) {
          return Fail(Bad(fmt::format("{} value {} claims {} bytes, past the page's end", EncodingName(encoding), i,
                                      len)));
        }
        std::string_view suffix = data.substr(pos, static_cast<size_t>(len));
        pos += static_cast<size_t>(len);
        if (encoding == Encoding::kDeltaLengthByteArray) {
          BP_RETURN_IF_ERROR(AddBytes(suffix, out));
          continue;
        }
        const int64_t prefix = prefixes[i];
        if (prefix < 0 || static_cast<uint64_t>(prefix) > previous.size()) {
          return Fail(Bad(fmt::format("DELTA_BYTE_ARRAY value {} takes a prefix of {} bytes from a value of {}", i,
                                      prefix, previous.size())));
        }
        current.assign(previous, 0, static_cast<size_t>(prefix));
        current.append(suffix);
        BP_RETURN_IF_ERROR(AddBytes(current, out));
        std::swap(previous, current);
      }
      return Ok();
    }
    case Encoding::kByteStreamSplit: {
      size_t width;
      switch (type) {
        case PhysicalType::kInt32:
        case PhysicalType::kFloat: width = 4; break;
        case PhysicalType::kInt64:
        case PhysicalType::kDouble: width = 8; break;
        case PhysicalType::kFixedLenByteArray: width = static_cast<size_t>(leaf_.element.type_length); break;
        default: return wrong_type();
      }
      if (data.size() / width < count) return Fail(Bad("BYTE_STREAM_SPLIT data is shorter than the page's values"));
      std::string joined(count * width, '\0');
      for (size_t i = 0; i < count; ++i) {
        for (size_t b = 0; b < width; ++b) joined[i * width + b] = data[b * count + i];
      }
      return DecodePlain(joined, count, out);
    }
    default:
      return Fail(ErrorCode::kUnsupported, fmt::format("{} encoding", EncodingName(encoding)));
  }
}

Status ColumnChunkReader::DecodePlain(std::string_view data, size_t count, ColumnValues& out) {
  const PhysicalType type = *leaf_.element.type;
  auto need = [&](uint64_t bytes) -> Status {
    if (bytes > data.size()) {
      return Fail(Bad(fmt::format("PLAIN data holds {} bytes, but {} {} values need {}", data.size(), count,
                                  PhysicalTypeName(type), bytes)));
    }
    return Ok();
  };
  const char* p = data.data();
  switch (type) {
    case PhysicalType::kBoolean: {
      BP_RETURN_IF_ERROR(need((count + 7) / 8));
      for (size_t i = 0; i < count; ++i) PushInt(out, (static_cast<uint8_t>(p[i / 8]) >> (i % 8)) & 1);
      return Ok();
    }
    case PhysicalType::kInt32: {
      BP_RETURN_IF_ERROR(need(uint64_t{4} * count));
      const LogicalType& lt = leaf_.element.logical;
      const ConvertedType ct = leaf_.element.converted;
      const bool is_unsigned = (lt.kind == LogicalType::Kind::kInteger && !lt.is_signed) ||
                               ct == ConvertedType::kUint32 || ct == ConvertedType::kUint16 ||
                               ct == ConvertedType::kUint8;
      for (size_t i = 0; i < count; ++i) {
        const auto raw = Load<int32_t>(p + 4 * i);
        BP_RETURN_IF_ERROR(AddInt64(is_unsigned ? static_cast<int64_t>(static_cast<uint32_t>(raw)) : raw, out));
      }
      return Ok();
    }
    case PhysicalType::kInt64:
      BP_RETURN_IF_ERROR(need(uint64_t{8} * count));
      for (size_t i = 0; i < count; ++i) BP_RETURN_IF_ERROR(AddInt64(Load<int64_t>(p + 8 * i), out));
      return Ok();
    case PhysicalType::kInt96:
      BP_RETURN_IF_ERROR(need(uint64_t{12} * count));
      for (size_t i = 0; i < count; ++i) {
        BP_RETURN_IF_ERROR(AddInt96(reinterpret_cast<const uint8_t*>(p) + 12 * i, out));
      }
      return Ok();
    case PhysicalType::kFloat:
      BP_RETURN_IF_ERROR(need(uint64_t{4} * count));
      for (size_t i = 0; i < count; ++i) {
        out.null.push_back(0);
        out.doubles.push_back(static_cast<double>(Load<float>(p + 4 * i)));
      }
      return Ok();
    case PhysicalType::kDouble:
      BP_RETURN_IF_ERROR(need(uint64_t{8} * count));
      for (size_t i = 0; i < count; ++i) {
        out.null.push_back(0);
        out.doubles.push_back(Load<double>(p + 8 * i));
      }
      return Ok();
    case PhysicalType::kFixedLenByteArray: {
      const auto width = static_cast<uint64_t>(leaf_.element.type_length);
      BP_RETURN_IF_ERROR(need(width * count));
      for (size_t i = 0; i < count; ++i) {
        BP_RETURN_IF_ERROR(AddBytes(data.substr(i * width, static_cast<size_t>(width)), out));
      }
      return Ok();
    }
    case PhysicalType::kByteArray: {
      size_t pos = 0;
      for (size_t i = 0; i < count; ++i) {
        if (data.size() - pos < 4) return Fail(Bad(fmt::format("PLAIN BYTE_ARRAY data ends at value {} of {}", i, count)));
        const uint32_t len = LoadU32(p + pos);
        pos += 4;
        if (len > data.size() - pos) {
          return Fail(Bad(fmt::format("PLAIN BYTE_ARRAY value {} claims {} bytes, past the data's end", i, len)));
        }
        BP_RETURN_IF_ERROR(AddBytes(data.substr(pos, len), out));
        pos += len;
      }
      return Ok();
    }
  }
  return Fail(Bad("unknown physical type"));
}

Status ColumnChunkReader::AddInt64(int64_t v, ColumnValues& out) {
  switch (leaf_.kind) {
    case ValueKind::kDecimal:
      out.null.push_back(0);
      out.decimals.push_back(table::Decimal::FromUnscaled(v, leaf_.scale));  // int64 has at most 19 digits
      return Ok();
    case ValueKind::kTimestamp: {
      int64_t micros = v;
      int32_t nanos = 0;
      if (leaf_.unit == TimeUnit::kMillis) {
        if (__builtin_mul_overflow(v, int64_t{1000}, &micros)) {
          return Fail(Bad(fmt::format("the millisecond timestamp {} is out of range", v)));
        }
      } else if (leaf_.unit == TimeUnit::kNanos) {
        micros = v / 1000;
        nanos = static_cast<int32_t>(v % 1000);
        if (nanos < 0) {
          nanos += 1000;
          micros -= 1;
        }
      }
      out.null.push_back(0);
      out.ints.push_back(micros);
      out.nanos.push_back(nanos);
      return Ok();
    }
    default:
      PushInt(out, v);
      return Ok();
  }
}

Status ColumnChunkReader::AddInt96(const uint8_t* p, ColumnValues& out) {
  constexpr int64_t kJulianEpoch = 2440588;  // the Julian day of 1970-01-01
  constexpr int64_t kNanosPerDay = int64_t{86400} * 1000000000;
  const auto nanos_of_day = Load<int64_t>(reinterpret_cast<const char*>(p));
  const auto julian = Load<int32_t>(reinterpret_cast<const char*>(p) + 8);
  if (nanos_of_day < 0 || nanos_of_day >= kNanosPerDay) {
    return Fail(Bad(fmt::format("an INT96 timestamp has {} nanoseconds in its day", nanos_of_day)));
  }
  const int64_t days = static_cast<int64_t>(julian) - kJulianEpoch;
  int64_t micros;
  if (__builtin_mul_overflow(days, int64_t{86400000000}, &micros) ||
      __builtin_add_overflow(micros, nanos_of_day / 1000, &micros)) {
    return Fail(Bad(fmt::format("the INT96 timestamp of Julian day {} is out of range", julian)));
  }
  out.null.push_back(0);
  out.ints.push_back(micros);
  out.nanos.push_back(static_cast<int32_t>(nanos_of_day % 1000));
  return Ok();
}

Status ColumnChunkReader::AddBytes(std::string_view v, ColumnValues& out) {
  if (leaf_.kind != ValueKind::kDecimal) {
    out.AppendText(v);
    return Ok();
  }
  // Big-endian two's complement; bytes beyond 16 must only repeat the sign.
  const auto* b = reinterpret_cast<const uint8_t*>(v.data());
  const size_t n = v.size();
  const bool negative = n > 0 && (b[0] & 0x80) != 0;
  size_t start = 0;
  if (n > 16) {
    start = n - 16;
    for (size_t i = 0; i < start; ++i) {
      if (b[i] != (negative ? 0xff : 0x00)) return Fail(Bad("a decimal value exceeds 38 digits"));
    }
    if (((b[start] & 0x80) != 0) != negative) return Fail(Bad("a decimal value exceeds 38 digits"));
  }
  UInt128 u = negative ? ~UInt128{0} : 0;
  for (size_t i = start; i < n; ++i) u = (u << 8) | b[i];
  const auto value = static_cast<Int128>(u);
  if (value >= kTenTo38 || value <= -kTenTo38) return Fail(Bad("a decimal value exceeds 38 digits"));
  out.null.push_back(0);
  out.decimals.push_back(table::Decimal::FromUnscaled(value, leaf_.scale));
  return Ok();
}

}  // namespace billpipe::parquet
