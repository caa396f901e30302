#pragma once
namespace optguard {
// Once at start: SIGPIPE ignored (a closed browser port is an EPIPE to handle, not a
// death), stdio in binary mode on Windows, log level from the environment.
void init_process();
}  // namespace optguard
