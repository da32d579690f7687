// PostgreSQL's binary COPY format (https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format"),
// the parts the PostgreSQL sink writes: the file header and trailer, a row's field count and fields, and
// the binary forms of numeric and timestamptz. Binary COPY spares the server the parsing of decimal and
// timestamp text, most of its cost for a CUR row.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace billpipe::sink {

// "PGCOPY\n\377\r\n\0", flags 0, no header extension.
void AppendPgCopyHeader(std::string& out);
// The end of the data: a field count of -1.
void AppendPgCopyTrailer(std::string& out);
// A row's field count (int16).
void AppendPgRowStart(std::string& out, uint16_t fields);
void AppendPgNull(std::string& out);  // length -1
// A field of raw bytes (text, varchar: the bytes themselves, in the server's encoding).
void AppendPgBytes(std::string& out, std::string_view bytes);
// A timestamptz field: microseconds since 2000-01-01T00:00:00Z as int64.
void AppendPgTimestamp(std::string& out, int64_t millis_since_1970);
// A numeric field from decimal text as PostgreSQL's numeric input reads it: an optional sign, digits with
// an optional '.', an optional exponent ("1.5E-3"), or NaN; the value and its display scale are those
// `text::numeric` gives (e.g. "1.2500" keeps its four places, "2.5e3" is 2500). False (nothing appended)
// when text is not such a number.
bool AppendPgNumeric(std::string& out, std::string_view text);

}  // namespace billpipe::sink
