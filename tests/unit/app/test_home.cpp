#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "common/errors.hpp"
#include "common/home.hpp"

namespace fs = std::filesystem;
using namespace optguard;

namespace {
struct EnvGuard {
  std::string name;
  std::optional<std::string> old;
  EnvGuard(std::string n, const char* value) : name(std::move(n)) {
    if (const char* v = std::getenv(name.c_str())) old = v;
    if (value != nullptr)
      ::setenv(name.c_str(), value, 1);
    else
      ::unsetenv(name.c_str());
  }
  ~EnvGuard() {
    if (old)
      ::setenv(name.c_str(), old->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};
}  // namespace

TEST_CASE("home: OPTGUARD_HOME, then XDG_DATA_HOME, then ~/.local/share", "[home]") {
  {
    EnvGuard a("OPTGUARD_HOME", "/tmp/og-test-home");
    CHECK(locate_home().path == "/tmp/og-test-home");
    CHECK(locate_home().source == "OPTGUARD_HOME");
  }
  {
    EnvGuard a("OPTGUARD_HOME", nullptr);
    EnvGuard b("XDG_DATA_HOME", "/tmp/xdg");
    CHECK(locate_home().path == "/tmp/xdg/optguard");
  }
  {
    EnvGuard a("OPTGUARD_HOME", nullptr);
    EnvGuard b("XDG_DATA_HOME", nullptr);
    EnvGuard c("HOME", "/home/someone");
    CHECK(locate_home().path == "/home/someone/.local/share/optguard");
  }
}

TEST_CASE("home: created owner-only; a group-readable home is refused", "[home]") {
  const fs::path dir = fs::temp_directory_path() / ("og-home-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const HomeLocation loc{dir, "test"};
  CHECK(ensure_home(loc) == dir);
  CHECK((fs::status(dir).permissions() & fs::perms::all) == fs::perms::owner_all);
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  try {
    ensure_home(loc);
    FAIL("expected unsafe_permissions");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::unsafe_permissions);
    CHECK(std::string(e.what()).find("chmod 700") != std::string::npos);
  }
  fs::remove_all(dir);
}
