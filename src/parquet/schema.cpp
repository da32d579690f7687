#include "parquet/schema.h"

#include <fmt/format.h>

namespace billpipe::parquet {
namespace {

constexpr int kMaxSchemaDepth = 64;

using LK = LogicalType::Kind;

// Sets the leaf's value kind from its physical and logical type, or why it is not supported.
void ClassifyLeaf(LeafColumn& leaf) {
  const SchemaElement& e = leaf.element;
  const PhysicalType type = *e.type;
  const LogicalType& lt = e.logical;
  const ConvertedType ct = e.converted;
  const bool is_decimal = lt.kind == LK::kDecimal || (lt.kind == LK::kNone && ct == ConvertedType::kDecimal);
  auto unsupported = [&](std::string what) { leaf.unsupported = std::move(what); };
  if (is_decimal) {
    const int precision = lt.kind == LK::kDecimal ? lt.precision : e.precision;
    const int scale = lt.kind == LK::kDecimal ? lt.scale : e.scale;
    if (precision < 1 || precision > table::Decimal::kMaxDigits || scale < 0 || scale > precision) {
      return unsupported(fmt::format("DECIMAL({}, {}) (billpipe reads precision 1 to {} and scale 0 to precision)",
                                     precision, scale, table::Decimal::kMaxDigits));
    }
    if (type != PhysicalType::kInt32 && type != PhysicalType::kInt64 && type != PhysicalType::kByteArray &&
        type != PhysicalType::kFixedLenByteArray) {
      return unsupported(fmt::format("DECIMAL stored as {}", PhysicalTypeName(type)));
    }
    leaf.kind = ValueKind::kDecimal;
    leaf.scale = scale;
    return;
  }
  if (lt.kind == LK::kTime || ct == ConvertedType::kTimeMillis || ct == ConvertedType::kTimeMicros) {
    return unsupported("TIME columns");
  }
  if (lt.kind == LK::kOther) return unsupported(fmt::format("logical type number {}", lt.other_id));
  switch (type) {
    case PhysicalType::kBoolean:
      leaf.kind = ValueKind::kBoolean;
      return;
    case PhysicalType::kInt32:
      if (lt.kind == LK::kDate || ct == ConvertedType::kDate) {
        leaf.kind = ValueKind::kDate;
      } else {
        leaf.kind = ValueKind::kInt64;
      }
      return;
    case PhysicalType::kInt64:
      if (lt.kind == LK::kTimestamp) {
        leaf.kind = ValueKind::kTimestamp;
        leaf.unit = lt.unit;
        if (lt.unit == TimeUnit::kNone) return unsupported("TIMESTAMP without a unit");
      } else if (ct == ConvertedType::kTimestampMillis || ct == ConvertedType::kTimestampMicros) {
        leaf.kind = ValueKind::kTimestamp;
        leaf.unit = ct == ConvertedType::kTimestampMillis ? TimeUnit::kMillis : TimeUnit::kMicros;
      } else if ((lt.kind == LK::kInteger && !lt.is_signed && lt.bit_width == 64) || ct == ConvertedType::kUint64) {
        return unsupported("unsigned 64-bit integers");
      } else {
        leaf.kind = ValueKind::kInt64;
      }
      return;
    case PhysicalType::kInt96:
      leaf.kind = ValueKind::kTimestamp;
      return;
    case PhysicalType::kFloat:
    case PhysicalType::kDouble:
      leaf.kind = ValueKind::kDouble;
      return;
    case PhysicalType::kByteArray:
      if (ct == ConvertedType::kBson || ct == ConvertedType::kInterval) {
        return unsupported(ct == ConvertedType::kBson ? "BSON columns" : "INTERVAL columns");
      }
      leaf.kind = ValueKind::kString;
      return;
    case PhysicalType::kFixedLenByteArray:
      return unsupported(fmt::format("FIXED_LEN_BYTE_ARRAY columns other than DECIMAL"));
  }
  unsupported(fmt::format("physical type number {}", static_cast<int>(type)));
}

struct Builder {
  const std::vector<SchemaElement>& elements;
  size_t next = 1;
  Schema schema;

  // Adds the subtree at `next` (an element with its children); returns its leaf range.
  Status Walk(int def, int rep, const std::string& prefix, int depth) {
    if (depth > kMaxSchemaDepth) return Fail(ErrorCode::kBadData, "the schema nests deeper than 64 levels");
    if (next >= elements.size()) return Fail(ErrorCode::kBadData, "the schema's children counts exceed its elements");
    const SchemaElement& e = elements[next++];
    const Repetition r = e.repetition.value_or(Repetition::kRequired);
    if (r != Repetition::kRequired && r != Repetition::kOptional && r != Repetition::kRepeated) {
      return Fail(ErrorCode::kBadData, fmt::format("schema element {} has an unknown repetition", e.name));
    }
    if (r != Repetition::kRequired) ++def;
    if (r == Repetition::kRepeated) ++rep;
    const std::string path = prefix.empty() ? e.name : prefix + "." + e.name;
    if (e.num_children <= 0) {
      if (!e.type) return Fail(ErrorCode::kBadData, fmt::format("schema leaf {} has no type", path));
      const int t = static_cast<int>(*e.type);
      if (t < 0 || t > 7) return Fail(ErrorCode::kBadData, fmt::format("schema leaf {} has unknown type {}", path, t));
      if (*e.type == PhysicalType::kFixedLenByteArray && (e.type_length <= 0 || e.type_length > (1 << 20))) {
        return Fail(ErrorCode::kBadData, fmt::format("schema leaf {} has a fixed length of {}", path, e.type_length));
      }
      LeafColumn leaf;
      leaf.path = path;
      leaf.element = e;
      leaf.max_def = def;
      leaf.max_rep = rep;
      ClassifyLeaf(leaf);
      schema.leaves.push_back(std::move(leaf));
      return Ok();
    }
    if (static_cast<size_t>(e.num_children) > elements.size() - next) {
      return Fail(ErrorCode::kBadData, fmt::format("schema group {} claims {} children, more than the schema has",
                                                   path, e.num_children));
    }
    for (int32_t i = 0; i < e.num_children; ++i) BP_RETURN_IF_ERROR(Walk(def, rep, path, depth + 1));
    return Ok();
  }
};

bool IsMapAnnotated(const SchemaElement& e) {
  return e.logical.kind == LK::kMap || e.converted == ConvertedType::kMap ||
         e.converted == ConvertedType::kMapKeyValue;
}

}  // namespace

Result<Schema> BuildSchema(const std::vector<SchemaElement>& elements) {
  if (elements.empty()) return Fail(ErrorCode::kBadData, "the schema is empty");
  Builder b{elements, 1, {}};
  const int32_t top = elements[0].num_children;
  if (top < 0 || static_cast<size_t>(top) >= elements.size() + 1) {
    return Fail(ErrorCode::kBadData, "the schema root's children count is wrong");
  }
  for (int32_t i = 0; i < top; ++i) {
    const size_t element_index = b.next;
    const size_t first_leaf = b.schema.leaves.size();
    if (element_index >= elements.size()) {
      return Fail(ErrorCode::kBadData, "the schema's children counts exceed its elements");
    }
    const SchemaElement& e = elements[element_index];
    BP_RETURN_IF_ERROR(b.Walk(0, 0, "", 1));
    const size_t end_leaf = b.schema.leaves.size();
    Field f;
    f.name = e.name;
    for (size_t l = first_leaf; l < end_leaf; ++l) f.leaves.push_back(l);
    const Repetition r = e.repetition.value_or(Repetition::kRequired);
    if (e.num_children <= 0) {
      const LeafColumn& leaf = b.schema.leaves[first_leaf];
      f.kind = leaf.kind;
      if (r == Repetition::kRepeated) f.unsupported = "repeated columns";
      else f.unsupported = leaf.unsupported;
    } else if (IsMapAnnotated(e)) {
      // optional group m (MAP) { repeated group key_value { required binary key (STRING); optional binary value; } }
      const bool shape = e.num_children == 1 && element_index + 1 < elements.size() &&
                         elements[element_index + 1].repetition == Repetition::kRepeated &&
                         elements[element_index + 1].num_children == 2 && end_leaf - first_leaf == 2;
      if (!shape) {
        f.unsupported = "MAP columns whose entries are not one key and one value";
      } else {
        const LeafColumn& key = b.schema.leaves[first_leaf];
        const LeafColumn& value = b.schema.leaves[first_leaf + 1];
        f.kind = ValueKind::kMapJson;
        f.map_def = r == Repetition::kRequired ? 0 : 1;
        f.entry_def = f.map_def + 1;
        if (key.element.type != PhysicalType::kByteArray || key.kind != ValueKind::kString ||
            value.element.type != PhysicalType::kByteArray || value.kind != ValueKind::kString ||
            !key.unsupported.empty() || !value.unsupported.empty() || key.max_rep != 1 || value.max_rep != 1 ||
            key.max_def != f.entry_def || value.max_def < f.entry_def || value.max_def > f.entry_def + 1 ||
            r == Repetition::kRepeated) {
          f.unsupported = "MAP columns other than MAP<string,string>";
        }
      }
    } else {
      const bool list = e.logical.kind == LK::kList || e.converted == ConvertedType::kList;
      f.unsupported = list ? "LIST columns" : "nested (struct) columns";
    }
    b.schema.fields.push_back(std::move(f));
  }
  if (b.next != elements.size()) {
    return Fail(ErrorCode::kBadData, fmt::format("the schema has {} elements but its tree holds {}",
                                                 elements.size(), b.next));
  }
  return std::move(b.schema);
}

}  // namespace billpipe::parquet
