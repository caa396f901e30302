#include "common/home.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <system_error>

#include "common/errors.hpp"

namespace optguard {
namespace fs = std::filesystem;

HomeLocation locate_home() {
  if (const char* v = std::getenv("OPTGUARD_HOME"); v != nullptr && *v != '\0') {
    return {fs::absolute(v), "OPTGUARD_HOME"};
  }
  if (const char* v = std::getenv("XDG_DATA_HOME"); v != nullptr && *v == '/') {
    return {fs::path(v) / "optguard", "XDG_DATA_HOME"};
  }
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    throw Error(ErrorCode::io_error,
                "neither OPTGUARD_HOME nor HOME is set: cannot find the optguard home");
  }
#ifdef __APPLE__
  return {fs::path(home) / "Library" / "Application Support" / "optguard", "default"};
#else
  return {fs::path(home) / ".local" / "share" / "optguard", "default"};
#endif
}

std::string mode_string(fs::perms p) {
  const auto bits = static_cast<unsigned>(p) & 07777U;
  std::string s = "0000";
  s[1] = static_cast<char>('0' + ((bits >> 6U) & 7U));
  s[2] = static_cast<char>('0' + ((bits >> 3U) & 7U));
  s[3] = static_cast<char>('0' + (bits & 7U));
  return s;
}

fs::path ensure_home(const HomeLocation& home) {
  std::error_code ec;
  if (!fs::exists(home.path, ec)) {
    fs::create_directories(home.path, ec);
    if (ec)
      throw Error(ErrorCode::io_error, "cannot create " + home.path.string() + ": " + ec.message());
    fs::permissions(home.path, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec)
      throw Error(ErrorCode::io_error, "cannot chmod " + home.path.string() + ": " + ec.message());
  }
  const auto st = fs::status(home.path, ec);
  if (ec || !fs::is_directory(st)) {
    throw Error(ErrorCode::io_error, home.path.string() + " is not a directory");
  }
  const auto others = fs::perms::group_all | fs::perms::others_all;
  if ((st.permissions() & others) != fs::perms::none) {
    throw Error(ErrorCode::unsafe_permissions,
                home.path.string() + " has mode " + mode_string(st.permissions()) +
                    ": other users could read your ledger. Fix: chmod 700 '" + home.path.string() +
                    "'");
  }
  return home.path;
}

}  // namespace optguard
