// What the catalog commands (account, dataset, runs, serve) share: the --home option, opening the
// catalog, reporting an error with the right exit code, reading a secret without echo, asking yes/no.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "catalog/catalog.h"
#include "catalog/dataset_definition.h"
#include "cli/commands.h"
#include "cli/store_options.h"  // ReportError
#include "util/status.h"

namespace billpipe::cli {

// Adds --home DIR to a command.
void AddHomeOption(CLI::App* app, std::string* home);

// Opens the catalog of DataHome(home) with the system clock (app::OpenCatalog).
Result<std::unique_ptr<catalog::Catalog>> OpenCatalog(const std::string& home);

bool StdinIsTerminal();
// Reads one line from stdin (without the newline); the prompt goes to stderr and echo is off when
// stdin is a terminal. nullopt at end of input.
std::optional<std::string> ReadSecretLine(const std::string& prompt);
// Asks "question [y/N] " on stderr and reads the answer from the terminal.
bool Confirm(const std::string& question);

// "2026-12-01 06:00", "2026-12-01T06:00:00Z" (UTC) → a time.
Result<SysTime> ParseUtcDateTime(std::string_view text);

}  // namespace billpipe::cli
