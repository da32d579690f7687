// "FOCUS from any report" (docs/exports.md): a legacy CUR report (CSV, or Parquet in the Athena layout) or
// a CUR 2.0 export loaded into FOCUS 1.2 columns, by the mapping of cur/focus_mapping.h (the one source of
// it: the CUR generator writes its FOCUS exports by the same table). A FOCUS export is already FOCUS and
// stays as it is.
//
// AsFocus turns a report version into the version a dataset of schema focus loads: its columns become
// FOCUS's (named and typed as a FOCUS export's are), its roles FOCUS's (ChargePeriodStart, InvoiceId,
// BilledCost), and it carries the transform (table/batch_transform.h) that the loader applies to every
// file's batches, together with the files' columns as the transform reads them. The pipeline knows none
// of this: it reads `file_columns`, applies `transform` and loads `columns` as for any version.
#pragma once

#include <string_view>

#include "cur/report_reader.h"

namespace billpipe::cur {

// The version as FOCUS 1.2 columns; a FOCUS version (kind_name "FOCUS ...") unchanged. Columns in the
// mapping's order, typed decimal -> OptionalBigDecimal, timestamp -> DateTime, string -> String (an empty
// value is the empty text, as a FOCUS export's CSV field loads), map -> OptionalString (JSON object text);
// roles usage_start ChargePeriodStart, invoice_id InvoiceId, cost BilledCost, usage_amount
// ConsumedQuantity, json_objects {Tags}; keep_column_names; kind_name "<kind> as FOCUS 1.2".
// file_columns: the version's own columns, the ones the mapping reads typed as it needs them (costs and
// amounts decimals, dates timestamps), the others unconverted text (CSV) or as the version typed them.
PeriodVersion AsFocus(PeriodVersion version);

// The FOCUS column types as AsFocus gives them ("decimal", "timestamp", "string", "map" of the mapping).
table::ColumnType FocusColumnType(std::string_view mapping_type);

// The name of a mapping source column (a legacy CUR header, "lineItem/UnblendedCost") in a CUR 2.0
// export: the Athena name ("line_item_unblended_cost"), or for a product attribute the key of the
// `product` map ("product/ProductName" -> "product.product_name").
std::string Cur2SourceName(std::string_view legacy_header);

}  // namespace billpipe::cur
