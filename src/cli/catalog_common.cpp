#include "cli/catalog_common.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "app/runs.h"
#include "util/date.h"
#include "util/date_time.h"
#include "util/home.h"

namespace billpipe::cli {

void AddHomeOption(CLI::App* app, std::string* home) {
  app->add_option("--home", *home, "Data directory (default $BILLPIPE_HOME, else ~/.local/share/billpipe)");
}

Result<std::unique_ptr<catalog::Catalog>> OpenCatalog(const std::string& home) {
  return app::OpenCatalog(DataHome(home));
}

bool StdinIsTerminal() { return ::isatty(STDIN_FILENO) == 1; }

std::optional<std::string> ReadSecretLine(const std::string& prompt) {
  bool tty = StdinIsTerminal();
  termios old_mode{};
  if (tty) {
    std::cerr << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &old_mode);
    termios quiet = old_mode;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
    std::cerr << "\n";
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool Confirm(const std::string& question) {
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES" || answer == "Yes";
}

Result<SysTime> ParseUtcDateTime(std::string_view text) {
  auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("'{}' is not a date and time: write YYYY-MM-DD HH:MM in UTC, e.g. 2026-12-01 06:00.", text));
  };
  if (auto t = TryParseUtcDateTime(text)) return *t;
  return bad();
}

}  // namespace billpipe::cli
