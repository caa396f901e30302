#pragma once
#include "app/services.hpp"
#include "protocol/router.hpp"

namespace optguard::app {
// Every protocol message the host answers, registered in one place (messages.cpp).
void register_messages(protocol::Router& router, Services& services);

// One function per feature, each in its own messages_<feature>.cpp.
void register_core_messages(protocol::Router& router, Services& services);
void register_engine_messages(protocol::Router& router, Services& services);
void register_ledger_messages(protocol::Router& router, Services& services);
void register_dnr_messages(protocol::Router& router, Services& services);
void register_learning_messages(protocol::Router& router, Services& services);
}  // namespace optguard::app
