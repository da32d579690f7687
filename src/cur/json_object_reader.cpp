#include "cur/json_object_reader.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "util/utf8.h"

namespace billpipe::cur {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits at s[i..i+4) as a number; -1 when they are not four hex digits.
int32_t Hex4(std::string_view s, size_t i) {
  if (i + 4 > s.size()) return -1;
  int32_t v = 0;
  for (size_t k = 0; k < 4; ++k) {
    int d = HexValue(s[i + k]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

}  // namespace

JsonObjectReader::JsonObjectReader(std::string_view text) : text_(text) {
  SkipSpace();
  if (pos_ >= text_.size() || text_[pos_] != '{') {
    state_ = State::kBad;
    return;
  }
  ++pos_;
}

bool JsonObjectReader::IsObject(std::string_view text) {
  JsonObjectReader reader(text);
  JsonMember m;
  while (reader.Next(m)) {
  }
  return reader.ok();
}

void JsonObjectReader::SkipSpace() {
  while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
}

bool JsonObjectReader::Next(JsonMember& member) {
  if (state_ == State::kDone || state_ == State::kBad) return false;
  SkipSpace();
  if (pos_ >= text_.size()) return Fail();
  if (state_ == State::kFirst) {
    if (text_[pos_] == '}') {
      ++pos_;
      SkipSpace();
      state_ = pos_ == text_.size() ? State::kDone : State::kBad;
      return false;
    }
  } else {
    if (text_[pos_] == '}') {
      ++pos_;
      SkipSpace();
      state_ = pos_ == text_.size() ? State::kDone : State::kBad;
      return false;
    }
    if (text_[pos_] != ',') return Fail();
    ++pos_;
    SkipSpace();
    if (pos_ >= text_.size()) return Fail();
  }
  if (text_[pos_] != '"') return Fail();
  if (!String(&member.key, &member.key_escaped)) return Fail();
  SkipSpace();
  if (pos_ >= text_.size() || text_[pos_] != ':') return Fail();
  ++pos_;
  SkipSpace();
  if (!Value(member)) return Fail();
  state_ = State::kMore;
  return true;
}

bool JsonObjectReader::String(std::string_view* inside, bool* escaped) {
  const size_t begin = ++pos_;  // after the opening quote
  *escaped = false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(text_.data());
  while (pos_ < text_.size()) {
    const unsigned char c = bytes[pos_];
    if (c == '"') {
      *inside = text_.substr(begin, pos_ - begin);
      ++pos_;
      return true;
    }
    if (c < 0x20) return false;
    if (c < 0x80 && c != '\\') {
      ++pos_;
      continue;
    }
    if (c >= 0x80) {
      const int len = Utf8SequenceLength(bytes + pos_, text_.size() - pos_);
      if (len <= 0) return false;
      pos_ += static_cast<size_t>(len);
      continue;
    }
    // A backslash escape.
    *escaped = true;
    if (pos_ + 1 >= text_.size()) return false;
    const char e = text_[pos_ + 1];
    if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
      pos_ += 2;
      continue;
    }
    if (e != 'u') return false;
    const int32_t cp = Hex4(text_, pos_ + 2);
    if (cp < 0) return false;
    pos_ += 6;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate alone
    if (cp >= 0xD800 && cp <= 0xDBFF) {             // must be followed by \u and a low surrogate
      if (pos_ + 1 >= text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') return false;
      const int32_t low = Hex4(text_, pos_ + 2);
      if (low < 0xDC00 || low > 0xDFFF) return false;
      pos_ += 6;
    }
  }
  return false;  // no closing quote
}

bool JsonObjectReader::Number() {
  const size_t n = text_.size(), begin = pos_;
  if (pos_ < n && text_[pos_] == '-') ++pos_;
  if (pos_ >= n) return false;
  if (text_[pos_] == '0') {
    ++pos_;
  } else if (text_[pos_] >= '1' && text_[pos_] <= '9') {
    while (pos_ < n && IsDigit(text_[pos_])) ++pos_;
  } else {
    return false;
  }
  if (pos_ < n && text_[pos_] == '.') {
    ++pos_;
    if (pos_ >= n || !IsDigit(text_[pos_])) return false;
    while (pos_ < n && IsDigit(text_[pos_])) ++pos_;
  }
  bool exponent = false;
  if (pos_ < n && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    exponent = true;
    ++pos_;
    if (pos_ < n && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
    if (pos_ >= n || !IsDigit(text_[pos_])) return false;
    while (pos_ < n && IsDigit(text_[pos_])) ++pos_;
  }
  // nlohmann's parser refuses a number that overflows a double (1e400), and so does this reader, so that
  // both say the same of every text.
  constexpr size_t kLongestFiniteDigits = 300;
  if (exponent || pos_ - begin > kLongestFiniteDigits) {
    const std::string number(text_.substr(begin, pos_ - begin));
    if (!std::isfinite(std::strtod(number.c_str(), nullptr))) return false;
  }
  return true;
}

bool JsonObjectReader::Literal(std::string_view word) {
  if (text_.substr(pos_, word.size()) != word) return false;
  pos_ += word.size();
  return true;
}

bool JsonObjectReader::Value(JsonMember& member) {
  member.value_is_string = member.value_is_null = member.value_escaped = false;
  if (pos_ >= text_.size()) return false;
  const size_t begin = pos_;
  const char c = text_[pos_];
  bool ok;
  if (c == '"') {
    member.value_is_string = true;
    return String(&member.value, &member.value_escaped);
  } else if (c == '{' || c == '[') {
    ok = Nested();
  } else if (c == 't') {
    ok = Literal("true");
  } else if (c == 'f') {
    ok = Literal("false");
  } else if (c == 'n') {
    ok = Literal("null");
    member.value_is_null = true;
  } else {
    ok = Number();
  }
  member.value = text_.substr(begin, pos_ - begin);
  return ok;
}

// An array or object at pos_, with everything in it, checked without recursion: a stack of the open
// brackets, and per level whether a value (array) or a key (object) comes next.
bool JsonObjectReader::Nested() {
  std::string open;  // '[' or '{' per level
  enum class Expect { kValueOrEnd, kValue, kCommaOrEnd, kKeyOrEnd, kKey, kColon };
  Expect expect = Expect::kValueOrEnd;
  auto push = [&](char bracket) {
    open.push_back(bracket);
    ++pos_;
    expect = bracket == '[' ? Expect::kValueOrEnd : Expect::kKeyOrEnd;
  };
  push(text_[pos_]);
  std::string_view ignored;
  bool escaped;
  while (true) {
    SkipSpace();
    if (pos_ >= text_.size()) return false;
    const char c = text_[pos_];
    switch (expect) {
      case Expect::kKeyOrEnd:
      case Expect::kValueOrEnd:
      case Expect::kCommaOrEnd:
        if (c == (open.back() == '[' ? ']' : '}')) {
          ++pos_;
          open.pop_back();
          if (open.empty()) return true;
          expect = Expect::kCommaOrEnd;
          continue;
        }
        if (expect == Expect::kCommaOrEnd) {
          if (c != ',') return false;
          ++pos_;
          expect = open.back() == '[' ? Expect::kValue : Expect::kKey;
          continue;
        }
        if (expect == Expect::kKeyOrEnd) {
          expect = Expect::kKey;
          continue;
        }
        expect = Expect::kValue;
        continue;
      case Expect::kKey:
        if (c != '"' || !String(&ignored, &escaped)) return false;
        expect = Expect::kColon;
        continue;
      case Expect::kColon:
        if (c != ':') return false;
        ++pos_;
        expect = Expect::kValue;
        continue;
      case Expect::kValue:
        if (c == '[' || c == '{') {
          push(c);
          continue;
        }
        if (c == '"') {
          if (!String(&ignored, &escaped)) return false;
        } else if (c == 't') {
          if (!Literal("true")) return false;
        } else if (c == 'f') {
          if (!Literal("false")) return false;
        } else if (c == 'n') {
          if (!Literal("null")) return false;
        } else if (!Number()) {
          return false;
        }
        expect = Expect::kCommaOrEnd;
        continue;
    }
  }
}

void AppendJsonUnescaped(std::string_view s, std::string& out) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out.push_back(s[i]);
      continue;
    }
    const char e = s[++i];
    switch (e) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        int32_t cp = Hex4(s, i + 1);
        if (cp < 0) return;  // not reached for checked text
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 2 < s.size() && s[i + 1] == '\\' && s[i + 2] == 'u') {
          const int32_t low = Hex4(s, i + 3);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        AppendUtf8(out, static_cast<uint32_t>(cp));
        break;
      }
      default: out.push_back(e); break;  // " \ /
    }
  }
}

void AppendJsonString(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t plain = 0;  // start of the run of bytes that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out.push_back('"');
}

}  // namespace billpipe::cur
