#include "app/commands.hpp"

namespace optguard::app {
void register_commands(CLI::App& app, Services& services) {
  register_core_commands(app, services);
  register_engine_commands(app, services);
  register_ledger_commands(app, services);
  register_dnr_commands(app, services);
  register_install_commands(app, services);
}
}  // namespace optguard::app
