#include "common/process.hpp"

#include <csignal>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>

#include <cstdio>
#endif

#include "common/log.hpp"

namespace optguard {
void init_process() {
#ifdef _WIN32
  // Without binary mode Windows turns \n into \r\n inside frames and breaks the lengths.
  _setmode(_fileno(stdin), _O_BINARY);
  (void)_setmode(_fileno(stdout), _O_BINARY);
#else
  (void)std::signal(SIGPIPE, SIG_IGN);
#endif
  log::init_from_env();
}
}  // namespace optguard
