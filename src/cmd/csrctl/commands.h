// Registration of csrctl's commands on the CLI11 tree. Each Add* function
// adds its subcommands with their manual text; a parsed command's callback
// stores the work to do in ctx.run.
#pragma once

#include <CLI/CLI.hpp>

#include "cmd/csrctl/context.h"
#include "cmd/csrctl/help.h"

namespace csrd::csrctl {

void AddCsrCommands(CLI::App& root, Context& ctx, ManFormatter& man);
void AddAuditCommands(CLI::App& root, Context& ctx, ManFormatter& man);
void AddAccountCommands(CLI::App& root, Context& ctx, ManFormatter& man);  // configure, login, logout, profile
void AddCompletionCommand(CLI::App& root, Context& ctx, ManFormatter& man);

// The bash completion script for the command tree under root.
std::string BashCompletion(const CLI::App& root);

}  // namespace csrd::csrctl
