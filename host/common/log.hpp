#pragma once
// Logging for the host and CLI. Every line goes to stderr (fd 2), never stdout:
// when the host serves a browser, stdout carries native-messaging frames only.
// Level from OPTGUARD_LOG (error, warn, info, debug; default warn).

#include <string_view>

namespace optguard::log {

enum class Level { error = 0, warn = 1, info = 2, debug = 3 };

void set_level(Level level);
Level level();
// Reads OPTGUARD_LOG; unknown values keep the default and say so.
void init_from_env();
bool enabled(Level level);
void write(Level level, std::string_view message);

inline void error(std::string_view m) {
  write(Level::error, m);
}
inline void warn(std::string_view m) {
  write(Level::warn, m);
}
inline void info(std::string_view m) {
  write(Level::info, m);
}
inline void debug(std::string_view m) {
  write(Level::debug, m);
}

}  // namespace optguard::log
