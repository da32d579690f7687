// Column names the way AWS names CUR columns in its Athena and Parquet output, so that users' existing
// CUR queries run unchanged (DESIGN.md "Column names and types"). AWS's rule, from the CUR user guide
// ("Running Amazon Athena queries", Column names), applied to the whole header "category/Name":
//   1. an underscore is added in front of every uppercase letter;
//   2. uppercase letters become lowercase;
//   3. every character that is not a letter or digit becomes an underscore;
//   4. runs of underscores become one;
//   5. leading and trailing underscores are removed;
//   6. a name longer than kMaxColumnNameLength loses underscores from left to right.
// So "lineItem/UsageStartDate" -> "line_item_usage_start_date", "reservation/ReservationARN" ->
// "reservation_reservation_a_r_n" (a run of capitals is split per letter), "resourceTags/user:Cost Center"
// -> "resource_tags_user_cost_center". Letters and digits are ASCII ones: each byte of a non-ASCII UTF-8
// character counts as "not a letter or digit".
//
// Where AWS merges two columns that normalise to one name, billpipe keeps both: the second gets a suffix
// ("_2", "_3", ...) and the collision is reported.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace billpipe::cur {

// Athena and AWS Glue allow column names of at most 255 characters.
inline constexpr size_t kMaxColumnNameLength = 255;

// The Athena name of one CUR header; "" when the header has no letter or digit at all.
std::string AthenaColumnName(std::string_view header);

struct NamedColumn {
  std::string name;    // unique among the columns named together
  std::string header;  // the original header, e.g. "resourceTags/user:Cost Center"
};

// Whether two headers are one column of a dataset: equal, or of the same Athena name where one of them
// already is that name. A legacy report's CSV header "lineItem/UsageStartDate" and the same column in its
// Parquet files (Athena layout) or in a CUR 2.0 export, "line_item_usage_start_date", are one column;
// "resourceTags/user:Team" and "resourceTags/user:team" are two (a collision, below).
bool SameColumn(std::string_view a, std::string_view b);

// Two headers that gave the same Athena name.
struct ColumnCollision {
  std::string header;         // the later header, renamed
  std::string first_header;   // the earlier header that kept the name
  std::string athena_name;    // the name both normalise to
  std::string assigned_name;  // what the later header is called instead, e.g. "resource_tags_user_team_2"
};

struct ColumnNaming {
  std::vector<NamedColumn> columns;  // one per header, in the headers' order
  std::vector<ColumnCollision> collisions;
};

// Names every header; a header that normalises to a name already taken gets the first free suffix
// "_2", "_3", ... and a ColumnCollision. A header without any letter or digit is named "column_<n>"
// (n its 1-based position). The result depends on the headers' order: name the union of a dataset's
// headers (see schema_union.h), not each file on its own.
ColumnNaming NameColumns(const std::vector<std::string>& headers);

}  // namespace billpipe::cur
