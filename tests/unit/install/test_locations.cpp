#include <catch2/catch.hpp>

#include "fake_home.hpp"
#include "install/browsers.hpp"
#include "install/identities.hpp"

using namespace optguard::install;
namespace fs = std::filesystem;

namespace {
Env env_for(Os os) {
  Env e;
  e.os = os;
  e.home = "/home/u";
  e.config_home = "/home/u/.config";
  e.root = "/";
  return e;
}
fs::path only(Browser b, Scope s, const Env& e) {
  const auto dirs = manifest_dirs(b, s, e);
  REQUIRE(dirs.size() == 1);
  return dirs.front().dir;
}
}  // namespace

TEST_CASE("Linux per-user manifest folders", "[install][locations]") {
  const auto e = env_for(Os::gnu_linux);
  CHECK(only(Browser::chrome, Scope::user, e) ==
        "/home/u/.config/google-chrome/NativeMessagingHosts");
  CHECK(only(Browser::chromium, Scope::user, e) == "/home/u/.config/chromium/NativeMessagingHosts");
  CHECK(only(Browser::edge, Scope::user, e) ==
        "/home/u/.config/microsoft-edge/NativeMessagingHosts");
  CHECK(only(Browser::brave, Scope::user, e) ==
        "/home/u/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts");
  CHECK(only(Browser::vivaldi, Scope::user, e) == "/home/u/.config/vivaldi/NativeMessagingHosts");
  CHECK(only(Browser::firefox, Scope::user, e) == "/home/u/.mozilla/native-messaging-hosts");
}

TEST_CASE("Linux: Chromium-family folders follow XDG_CONFIG_HOME, Firefox's does not",
          "[install][locations]") {
  auto e = env_for(Os::gnu_linux);
  e.config_home = "/elsewhere/cfg";
  CHECK(only(Browser::chromium, Scope::user, e) == "/elsewhere/cfg/chromium/NativeMessagingHosts");
  CHECK(only(Browser::firefox, Scope::user, e) == "/home/u/.mozilla/native-messaging-hosts");
}

TEST_CASE("Linux system-wide manifest folders", "[install][locations]") {
  const auto e = env_for(Os::gnu_linux);
  CHECK(only(Browser::chrome, Scope::system, e) == "/etc/opt/chrome/native-messaging-hosts");
  CHECK(only(Browser::chromium, Scope::system, e) == "/etc/chromium/native-messaging-hosts");
  CHECK(only(Browser::edge, Scope::system, e) == "/etc/opt/edge/native-messaging-hosts");
  CHECK(only(Browser::brave, Scope::system, e) == "/etc/opt/brave/native-messaging-hosts");
  CHECK_FALSE(manifest_dirs(Browser::brave, Scope::system, e).front().verified);
  const auto ff = manifest_dirs(Browser::firefox, Scope::system, e);
  REQUIRE(ff.size() == 2);
  CHECK(ff[0].dir == "/usr/lib/mozilla/native-messaging-hosts");
  CHECK(ff[1].dir == "/usr/lib64/mozilla/native-messaging-hosts");
}

TEST_CASE("system folders are rooted at Env::root (tests use a fake root)",
          "[install][locations]") {
  auto e = env_for(Os::gnu_linux);
  e.root = "/tmp/fake";
  CHECK(only(Browser::chrome, Scope::system, e) ==
        "/tmp/fake/etc/opt/chrome/native-messaging-hosts");
}

TEST_CASE("macOS per-user and system-wide manifest folders", "[install][locations]") {
  const auto e = env_for(Os::macos);
  const std::string as = "/home/u/Library/Application Support/";
  CHECK(only(Browser::chrome, Scope::user, e) == as + "Google/Chrome/NativeMessagingHosts");
  CHECK(only(Browser::chromium, Scope::user, e) == as + "Chromium/NativeMessagingHosts");
  CHECK(only(Browser::edge, Scope::user, e) == as + "Microsoft Edge/NativeMessagingHosts");
  CHECK(only(Browser::brave, Scope::user, e) ==
        as + "BraveSoftware/Brave-Browser/NativeMessagingHosts");
  CHECK(only(Browser::vivaldi, Scope::user, e) == as + "Vivaldi/NativeMessagingHosts");
  CHECK(only(Browser::firefox, Scope::user, e) == as + "Mozilla/NativeMessagingHosts");
  CHECK(only(Browser::chrome, Scope::system, e) == "/Library/Google/Chrome/NativeMessagingHosts");
  CHECK(only(Browser::chromium, Scope::system, e) ==
        "/Library/Application Support/Chromium/NativeMessagingHosts");
  CHECK(only(Browser::edge, Scope::system, e) == "/Library/Microsoft/Edge/NativeMessagingHosts");
  CHECK(only(Browser::firefox, Scope::system, e) ==
        "/Library/Application Support/Mozilla/NativeMessagingHosts");
}

TEST_CASE("Windows has registry keys, not folders", "[install][locations]") {
  const auto e = env_for(Os::windows);
  for (const auto b : kAllBrowsers) CHECK(manifest_dirs(b, Scope::user, e).empty());
  const auto& host = identities().host_name;
  CHECK(registry_key(Browser::chrome, Scope::user, host).hive == "HKCU");
  CHECK(registry_key(Browser::chrome, Scope::system, host).hive == "HKLM");
  CHECK(registry_key(Browser::chrome, Scope::user, host).key ==
        "Software\\Google\\Chrome\\NativeMessagingHosts\\org.optguard.host");
  CHECK(registry_key(Browser::chromium, Scope::user, host).key ==
        "Software\\Chromium\\NativeMessagingHosts\\org.optguard.host");
  CHECK(registry_key(Browser::edge, Scope::user, host).key ==
        "Software\\Microsoft\\Edge\\NativeMessagingHosts\\org.optguard.host");
  CHECK(registry_key(Browser::firefox, Scope::system, host).key ==
        "Software\\Mozilla\\NativeMessagingHosts\\org.optguard.host");
}

TEST_CASE("browser names", "[install][locations]") {
  for (const auto b : kAllBrowsers) CHECK(browser_from_name(name_of(b)) == b);
  CHECK(browser_from_name("firefox-esr") == Browser::firefox);
  CHECK(browser_from_name("google-chrome") == Browser::chrome);
  CHECK_FALSE(browser_from_name("safari"));
  CHECK(family_of(Browser::brave) == Family::chromium);
  CHECK(family_of(Browser::firefox) == Family::firefox);
}

TEST_CASE("the identities come from manifests/ids.json", "[install][ids]") {
  const auto& ids = identities();
  CHECK(ids.host_name == "org.optguard.host");
  CHECK(ids.chromium_id == "ckibindkepepohdlpkclkigoglaakafn");
  CHECK(ids.firefox_id == "optguard@optguard.org");
  CHECK(ids.chromium_origin() == "chrome-extension://ckibindkepepohdlpkclkigoglaakafn/");
  CHECK(ids.chromium_key.starts_with("MIIB"));
}
