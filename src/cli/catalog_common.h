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
#include "sched/daemon.h"
#include "util/status.h"

namespace billpipe::cli {

// Adds --home DIR to a command.
void AddHomeOption(CLI::App* app, std::string* home);

// Opens the catalog of DataHome(home) with the system clock.
Result<std::unique_ptr<catalog::Catalog>> OpenCatalog(const std::string& home);

bool StdinIsTerminal();
// Reads one line from stdin (without the newline); the prompt goes to stderr and echo is off when
// stdin is a terminal. nullopt at end of input.
std::optional<std::string> ReadSecretLine(const std::string& prompt);
// Asks "question [y/N] " on stderr and reads the answer from the terminal.
bool Confirm(const std::string& question);

// "2026-12-01 06:00", "2026-12-01T06:00:00Z" (UTC) → a time.
Result<SysTime> ParseUtcDateTime(std::string_view text);

// What `billpipe serve` runs a due dataset with: wired to the loader by its owner. Unset, serve records
// each due run as failed with "not connected to the loader yet".
// The data directory option (--home) of serve is passed on, so the runner opens the same catalog.
using ServeRunner = std::function<sched::RunOutcome(const catalog::DatasetDefinition& dataset, sched::Trigger trigger,
                                                    int attempt, const std::atomic<bool>& stop,
                                                    const std::string& home)>;
void SetServeRunner(ServeRunner runner);

}  // namespace billpipe::cli
