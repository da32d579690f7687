// A fast, strict reader of one JSON object's top-level members (RFC 8259), for the values of map
// columns (CUR 2.0 `product`, `resource_tags`, ...; FOCUS `Tags`): it checks the whole text and hands out
// each member's key and value as views of the text, without building anything. It runs per row on the
// decoding threads, where a general JSON parser would be the slowest step of a load.
//
// Strict as nlohmann::json::accept is, with the text required to be an object: whitespace (space, tab,
// CR, LF) around tokens, strings of UTF-8 (RFC 3629) with no control characters and only the escapes
// \" \\ \/ \b \f \n \r \t \uXXXX (a \u high surrogate followed by a \u low surrogate, never either alone),
// numbers as the grammar writes them, true / false / null, nested arrays and objects at any depth
// (checked without recursion). No byte order mark.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace billpipe::cur {

struct JsonMember {
  std::string_view key;    // the key as written, without its quotes (escapes not decoded)
  bool key_escaped = false;  // the key holds a backslash escape: decode it with AppendJsonUnescaped
  // The value as written: a string without its quotes; anything else (number, true, false, null, an
  // array or object) as its whole text.
  std::string_view value;
  bool value_is_string = false;
  bool value_is_null = false;
  bool value_escaped = false;  // a string value holding a backslash escape
};

// Reads the members in order: `while (reader.Next(m)) {...}` then `reader.ok()` says whether the whole
// text was one valid JSON object. Members handed out before an error was found are as written.
class JsonObjectReader {
 public:
  explicit JsonObjectReader(std::string_view text);

  // The next member; false at the end of the object or at the first error (then ok() is false).
  bool Next(JsonMember& member);
  // After Next returned false: whether the text is exactly one valid JSON object.
  bool ok() const { return state_ == State::kDone; }

  // Whether text is exactly one valid JSON object (surrounding whitespace allowed).
  static bool IsObject(std::string_view text);

 private:
  enum class State { kFirst, kMore, kDone, kBad };
  bool Fail() {
    state_ = State::kBad;
    return false;
  }
  void SkipSpace();
  // A string at pos_ (at its opening quote): sets *inside to its text between the quotes.
  bool String(std::string_view* inside, bool* escaped);
  bool Number();
  bool Literal(std::string_view word);
  // Any value at pos_, nested ones checked iteratively.
  bool Value(JsonMember& member);
  bool Nested();

  std::string_view text_;
  size_t pos_ = 0;
  State state_ = State::kFirst;
};

// Appends the decoded text of a JSON string's inside (as JsonMember gives it, already checked) to out:
// escapes decoded, \u escapes as UTF-8.
void AppendJsonUnescaped(std::string_view inside, std::string& out);

// Appends s as a JSON string, quotes included: '"' and '\' escaped, \n \r \t by their letters, other
// control characters as \u00XX, everything else (UTF-8 included) as is — the form CUR 2.0 CSV map
// values and billpipe's Parquet maps use.
void AppendJsonString(std::string_view s, std::string& out);

}  // namespace billpipe::cur
