#include "common/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <string>

namespace optguard::log {
namespace {
std::atomic<Level> g_level{Level::warn};

std::string_view level_name(Level l) {
  switch (l) {
    case Level::error:
      return "error";
    case Level::warn:
      return "warn";
    case Level::info:
      return "info";
    case Level::debug:
      return "debug";
  }
  return "?";
}
}  // namespace

void set_level(Level l) {
  g_level.store(l);
}
Level level() {
  return g_level.load();
}
bool enabled(Level l) {
  return static_cast<int>(l) <= static_cast<int>(g_level.load());
}

void init_from_env() {
  const char* v = std::getenv("OPTGUARD_LOG");
  if (v == nullptr || *v == '\0') return;
  const std::string_view s{v};
  if (s == "error")
    set_level(Level::error);
  else if (s == "warn")
    set_level(Level::warn);
  else if (s == "info")
    set_level(Level::info);
  else if (s == "debug")
    set_level(Level::debug);
  else
    write(Level::warn,
          std::string("OPTGUARD_LOG=") + v + " is not one of error, warn, info, debug");
}

void write(Level l, std::string_view message) {
  if (!enabled(l)) return;
  // One write() per line so lines from concurrent hosts on one terminal don't interleave.
  std::string line = "optguard[";
  line += std::to_string(::getpid());
  line += "] ";
  line += level_name(l);
  line += ": ";
  line += message;
  line += '\n';
  std::string_view rest{line};
  while (!rest.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere left to log to; never fall back to stdout
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace optguard::log
