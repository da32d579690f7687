// Each CLI command registers itself on the root app. A command's callback stores its exit code in
// CliState::exit_code: 0 success, 1 the job failed, 2 usage error (see docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>

namespace billpipe::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

struct CliState {
  int exit_code = kExitOk;
};

// billpipe ls s3://BUCKET/PREFIX (src/cli/ls.cpp).
void RegisterLsCommand(CLI::App& app, CliState& state);

void RegisterRunCommands(CLI::App& app, CliState& state);
void RegisterCurgenCommand(CLI::App& app, CliState& state);  // cli/curgen.cpp
// billpipe reports s3://BUCKET[/PREFIX] (src/cli/reports.cpp).
void RegisterReportsCommand(CLI::App& app, CliState& state);
void RegisterAccountCommand(CLI::App& app, CliState& state);
void RegisterDatasetCommand(CLI::App& app, CliState& state);
void RegisterServeCommands(CLI::App& app, CliState& state);  // serve, runs
// billpipe preview NAME (src/cli/preview.cpp).
void RegisterPreviewCommand(CLI::App& app, CliState& state);


}  // namespace billpipe::cli
