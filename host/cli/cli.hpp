#pragma once
// The `optguard` command line: CLI11 subcommands (each gets --help for free).
// A feature adds a subcommand with one add_command call in its host/app/commands_*.cpp.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace optguard::cli {

// A subcommand's body returns the process exit code. It may throw optguard::Error:
// that prints "optguard: <message>" on stderr and exits 1.
using CommandBody = std::function<int()>;

// Adds `name` under `parent`; the body runs after parsing when the subcommand was named.
CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& description,
                      CommandBody body);

// The subcommand group `name` under `parent` (e.g. `bench`, which several features fill): the
// one already added, or a new one that requires one of its subcommands.
CLI::App& command_group(CLI::App& parent, const std::string& name, const std::string& description);

// Parses argv and runs the chosen command; returns the exit code.
int run(CLI::App& app, int argc, char** argv);

}  // namespace optguard::cli
