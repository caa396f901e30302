#include "app/messages.hpp"

namespace optguard::app {
void register_messages(protocol::Router& router, Services& services) {
  register_core_messages(router, services);
  register_engine_messages(router, services);
  register_ledger_messages(router, services);
  register_dnr_messages(router, services);
  register_learning_messages(router, services);
}
}  // namespace optguard::app
