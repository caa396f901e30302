#include "cli/cli.hpp"

#include <iostream>
#include <memory>

#include "common/errors.hpp"

namespace optguard::cli {
namespace {
// Set by the chosen command's callback, read by run(); one per process.
int g_exit_code = 0;
}  // namespace

CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& description,
                      CommandBody body) {
  CLI::App* sub = parent.add_subcommand(name, description);
  sub->callback([body = std::move(body)] {
    try {
      g_exit_code = body();
    } catch (const Error& e) {
      std::cerr << "optguard: " << e.what() << '\n';
      g_exit_code = 1;
    }
  });
  return sub;
}

CLI::App& command_group(CLI::App& parent, const std::string& name, const std::string& description) {
  for (CLI::App* sub :
       parent.get_subcommands([&name](CLI::App* s) { return s->get_name() == name; }))
    return *sub;
  CLI::App* group = parent.add_subcommand(name, description);
  group->require_subcommand(1);
  return *group;
}

int run(CLI::App& app, int argc, char** argv) {
  g_exit_code = 0;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints to stdout and exits 0; usage errors print to stderr and exit 2.
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return g_exit_code;
}

}  // namespace optguard::cli
