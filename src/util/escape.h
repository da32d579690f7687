// Text that came from outside (S3 keys, values of a report, an S3 error's message) made safe to show:
// on a terminal, in the run history, in a log line, in a webhook's JSON. Control characters and
// escape sequences become visible escapes, invalid UTF-8 bytes become \xNN, and the text is cut to a
// bound so that a 5 MB value cannot make a 5 MB error.
//
//   EscapeForDisplay("a\x1b[2Jb\n", 100) == "a\\x1b[2Jb\\n"
//
// Escapes: \n \r \t, every other C0 control, DEL and the C1 controls (U+0080..U+009F) as \xNN (C1 as
// \u0080..\u009F), invalid UTF-8 as \xNN per byte. Backslashes and printable text (ASCII or UTF-8)
// stay as they are, so escaping twice changes nothing. A cut text ends with "… (N bytes)" naming the
// original size, and the whole result is at most max_bytes (never split inside a character or an
// escape).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace billpipe {

inline constexpr size_t kMaxShownValueBytes = 256;     // one value or key quoted in a message
inline constexpr size_t kMaxShownMessageBytes = 4096;  // a whole error message at an output boundary

std::string EscapeForDisplay(std::string_view text, size_t max_bytes);

// EscapeForDisplay with the bound for one value or key.
inline std::string ShownValue(std::string_view text) { return EscapeForDisplay(text, kMaxShownValueBytes); }
// EscapeForDisplay with the bound for a whole message (the terminal, run history, webhook, log).
inline std::string ShownMessage(std::string_view text) { return EscapeForDisplay(text, kMaxShownMessageBytes); }

}  // namespace billpipe
