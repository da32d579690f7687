#include "util/escape.h"

#include <gtest/gtest.h>

namespace billpipe {
namespace {

TEST(EscapeTest, ControlCharactersAndEscapeSequencesBecomeVisible) {
  EXPECT_EQ(EscapeForDisplay("a\x1b[2Jb\n\r\t\x7f", 100), "a\\x1b[2Jb\\n\\r\\t\\x7f");
  EXPECT_EQ(EscapeForDisplay("\xc2\x9b" "31m", 100), "\\u009B31m");  // the C1 form of CSI
  EXPECT_EQ(EscapeForDisplay("bad \xff\xfe utf8 \xe2\x82", 100), "bad \\xff\\xfe utf8 \\xe2\\x82");
  EXPECT_EQ(EscapeForDisplay("caf\xc3\xa9 \xe2\x80\xa6 C:\\path", 100), "caf\xc3\xa9 \xe2\x80\xa6 C:\\path");
}

TEST(EscapeTest, LongTextIsCutWithinTheBoundNamingItsSize) {
  std::string big(5 * 1024 * 1024, 'x');
  std::string shown = EscapeForDisplay(big, 300);
  EXPECT_EQ(shown, std::string(300 - std::string("… (5242880 bytes)").size(), 'x') + "… (5242880 bytes)");
  EXPECT_EQ(shown.size(), 300u);
  EXPECT_EQ(ShownValue(big).size(), kMaxShownValueBytes);
  // Never inside an escape: "\x1b" is kept whole or left out.
  std::string escapes(100, '\x1b');
  std::string cut = EscapeForDisplay(escapes, 50);
  EXPECT_EQ(cut, "\\x1b\\x1b\\x1b\\x1b\\x1b\\x1b\\x1b\\x1b… (100 bytes)");
  // Escaping twice changes nothing, cut or not.
  EXPECT_EQ(EscapeForDisplay(cut, 50), cut);
  EXPECT_EQ(EscapeForDisplay(shown, 300), shown);
  EXPECT_EQ(EscapeForDisplay(std::string(300, 'y'), 300), std::string(300, 'y'));  // exactly the bound: whole
}

}  // namespace
}  // namespace billpipe
