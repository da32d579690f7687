// The billpipe binary: a thin CLI over libbillpipe.
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/parse_errors.h"

namespace {

constexpr const char* kDescription =
    "billpipe pulls AWS Cost and Usage Reports from S3 into datasets you can query.\n"
    "Run 'billpipe help COMMAND' for a command's options.";

}  // namespace

int main(int argc, char** argv) {
  using namespace billpipe::cli;
  CliState state;
  CLI::App app{kDescription, "billpipe"};
  app.set_version_flag("--version", std::string("billpipe ") + BILLPIPE_VERSION);
  app.require_subcommand(0, 1);
  app.footer("Exit status: 0 success, 1 the job failed, 2 usage error.");

  std::string help_topic;
  auto* help = app.add_subcommand("help", "Show help for billpipe or for one command");
  help->add_option("command", help_topic, "The command to explain");
  RegisterCurgenCommand(app, state);
  RegisterAccountCommand(app, state);
  RegisterDatasetCommand(app, state);
  RegisterServeCommands(app, state);

  RegisterLsCommand(app, state);
  RegisterRunCommands(app, state);
  RegisterReportsCommand(app, state);
  RegisterPreviewCommand(app, state);


  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // The message may quote arguments: a secret given where it is not taken is masked (issue 11 k).
    std::ostringstream out, err;
    int rc = app.exit(e, out, err);
    std::vector<std::string> args(argv + 1, argv + argc);
    const auto secrets = SecretArguments(args);
    std::cout << MaskSecrets(out.str(), secrets);
    std::cerr << MaskSecrets(err.str(), secrets);
    return rc == 0 ? kExitOk : kExitUsage;
  }

  if (help->parsed() || app.get_subcommands().empty()) {
    if (help_topic.empty()) {
      // app.help() would describe the selected 'help' subcommand; format the root app itself.
      std::cout << app.get_formatter()->make_help(&app, "billpipe", CLI::AppFormatMode::Normal);
      return app.get_subcommands().empty() && !help->parsed() ? kExitUsage : kExitOk;
    }
    CLI::App* sub = nullptr;
    try {
      sub = app.get_subcommand(help_topic);
    } catch (const CLI::OptionNotFound&) {
    }
    if (sub == nullptr || sub == help) {
      std::cerr << "billpipe: no command '" << help_topic << "'. Run 'billpipe --help' for the list.\n";
      return kExitUsage;
    }
    std::cout << sub->help();
    return kExitOk;
  }
  return state.exit_code;
}
