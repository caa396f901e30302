#pragma once
#include "app/services.hpp"
#include "protocol/limits.hpp"
#include "protocol/router.hpp"

namespace optguard::app {
// Serves the protocol on stdin/stdout until the browser closes the port. stdout is
// moved to a private descriptor first and fd 1 pointed at stderr, so nothing but
// frames can ever reach the browser. Returns the process exit code.
int serve(Services& services, const protocol::Caller& caller, const protocol::Limits& limits);
}  // namespace optguard::app
