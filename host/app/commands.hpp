#pragma once
#include <CLI/CLI.hpp>

#include "app/services.hpp"

namespace optguard::app {
// Every subcommand of `optguard`, registered in one place (commands.cpp).
void register_commands(CLI::App& app, Services& services);

// One function per feature, each in its own commands_<feature>.cpp.
void register_core_commands(CLI::App& app, Services& services);
void register_engine_commands(CLI::App& app, Services& services);
void register_ledger_commands(CLI::App& app, Services& services);
void register_dnr_commands(CLI::App& app, Services& services);
void register_install_commands(CLI::App& app, Services& services);
}  // namespace optguard::app
