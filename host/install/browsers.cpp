#include "install/browsers.hpp"

#include <cstdlib>
#include <sstream>

namespace optguard::install {
namespace fs = std::filesystem;

namespace {
// Path tokens: "~/" is $HOME, "$CONFIG/" is $XDG_CONFIG_HOME (default ~/.config; Chromium
// on Linux derives its profile folder from it), a leading "/" is a system path.
// Members in the order the table reads (a few bytes of padding per row do not matter here).
struct Row {  // NOLINT(clang-analyzer-optin.performance.Padding)
  Browser browser;
  Os os;
  Scope scope;
  std::string_view where;
  bool verified;
};

// THE table of manifest locations. Sources (docs/install.md repeats them with links):
//  Chrome, Chromium: developer.chrome.com/docs/extensions/develop/concepts/native-messaging
//  Edge: learn.microsoft.com/microsoft-edge/extensions/developer-guide/native-messaging
//  Firefox: developer.mozilla.org/docs/Mozilla/Add-ons/WebExtensions/Native_manifests
//  Brave, Vivaldi: no vendor page; user folders as their Linux/macOS profile folders
//  (confirmed by the users of several hosts), system folders unverified.
constexpr Row kTable[] = {
    // Linux, per user
    {Browser::chrome, Os::gnu_linux, Scope::user, "$CONFIG/google-chrome/NativeMessagingHosts",
     true},
    {Browser::chromium, Os::gnu_linux, Scope::user, "$CONFIG/chromium/NativeMessagingHosts", true},
    {Browser::edge, Os::gnu_linux, Scope::user, "$CONFIG/microsoft-edge/NativeMessagingHosts",
     true},
    {Browser::brave, Os::gnu_linux, Scope::user,
     "$CONFIG/BraveSoftware/Brave-Browser/NativeMessagingHosts", true},
    {Browser::vivaldi, Os::gnu_linux, Scope::user, "$CONFIG/vivaldi/NativeMessagingHosts", true},
    {Browser::firefox, Os::gnu_linux, Scope::user, "~/.mozilla/native-messaging-hosts", true},
    // Linux, system-wide
    {Browser::chrome, Os::gnu_linux, Scope::system, "/etc/opt/chrome/native-messaging-hosts", true},
    {Browser::chromium, Os::gnu_linux, Scope::system, "/etc/chromium/native-messaging-hosts", true},
    {Browser::edge, Os::gnu_linux, Scope::system, "/etc/opt/edge/native-messaging-hosts", true},
    {Browser::brave, Os::gnu_linux, Scope::system, "/etc/opt/brave/native-messaging-hosts", false},
    {Browser::vivaldi, Os::gnu_linux, Scope::system, "/etc/opt/vivaldi/native-messaging-hosts",
     false},
    {Browser::firefox, Os::gnu_linux, Scope::system, "/usr/lib/mozilla/native-messaging-hosts",
     true},
    {Browser::firefox, Os::gnu_linux, Scope::system, "/usr/lib64/mozilla/native-messaging-hosts",
     true},
    // macOS, per user
    {Browser::chrome, Os::macos, Scope::user,
     "~/Library/Application Support/Google/Chrome/NativeMessagingHosts", true},
    {Browser::chromium, Os::macos, Scope::user,
     "~/Library/Application Support/Chromium/NativeMessagingHosts", true},
    {Browser::edge, Os::macos, Scope::user,
     "~/Library/Application Support/Microsoft Edge/NativeMessagingHosts", true},
    {Browser::brave, Os::macos, Scope::user,
     "~/Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts", true},
    {Browser::vivaldi, Os::macos, Scope::user,
     "~/Library/Application Support/Vivaldi/NativeMessagingHosts", true},
    {Browser::firefox, Os::macos, Scope::user,
     "~/Library/Application Support/Mozilla/NativeMessagingHosts", true},
    // macOS, system-wide
    {Browser::chrome, Os::macos, Scope::system, "/Library/Google/Chrome/NativeMessagingHosts",
     true},
    {Browser::chromium, Os::macos, Scope::system,
     "/Library/Application Support/Chromium/NativeMessagingHosts", true},
    {Browser::edge, Os::macos, Scope::system, "/Library/Microsoft/Edge/NativeMessagingHosts", true},
    {Browser::brave, Os::macos, Scope::system,
     "/Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts", false},
    {Browser::vivaldi, Os::macos, Scope::system,
     "/Library/Application Support/Vivaldi/NativeMessagingHosts", false},
    {Browser::firefox, Os::macos, Scope::system,
     "/Library/Application Support/Mozilla/NativeMessagingHosts", true},
    // Windows: registry keys (HKCU per user, HKLM system-wide) under which the key named after
    // the host holds the manifest's path as its default value. Brave and Vivaldi read
    // Chrome's key on Windows (as KeePassXC registers them).
    {Browser::chrome, Os::windows, Scope::user, R"(Software\Google\Chrome\NativeMessagingHosts)",
     true},
    {Browser::chromium, Os::windows, Scope::user, R"(Software\Chromium\NativeMessagingHosts)",
     true},
    {Browser::edge, Os::windows, Scope::user, R"(Software\Microsoft\Edge\NativeMessagingHosts)",
     true},
    {Browser::brave, Os::windows, Scope::user, R"(Software\Google\Chrome\NativeMessagingHosts)",
     false},
    {Browser::vivaldi, Os::windows, Scope::user, R"(Software\Google\Chrome\NativeMessagingHosts)",
     false},
    {Browser::firefox, Os::windows, Scope::user, R"(Software\Mozilla\NativeMessagingHosts)", true},
};

fs::path resolve(std::string_view where, const Env& env) {
  if (where.starts_with("~/")) return env.home / fs::path(where.substr(2));
  if (where.starts_with("$CONFIG/")) return env.config_home / fs::path(where.substr(8));
  return env.system(where);
}
}  // namespace

std::string_view name_of(Browser b) {
  switch (b) {
    case Browser::chrome:
      return "chrome";
    case Browser::chromium:
      return "chromium";
    case Browser::edge:
      return "edge";
    case Browser::brave:
      return "brave";
    case Browser::vivaldi:
      return "vivaldi";
    case Browser::firefox:
      return "firefox";
  }
  return "?";
}

std::string_view display_name_of(Browser b) {
  switch (b) {
    case Browser::chrome:
      return "Google Chrome";
    case Browser::chromium:
      return "Chromium";
    case Browser::edge:
      return "Microsoft Edge";
    case Browser::brave:
      return "Brave";
    case Browser::vivaldi:
      return "Vivaldi";
    case Browser::firefox:
      return "Firefox";
  }
  return "?";
}

std::string_view name_of(Os os) {
  switch (os) {
    case Os::gnu_linux:
      return "linux";
    case Os::macos:
      return "macos";
    case Os::windows:
      return "windows";
  }
  return "?";
}

std::string_view name_of(Scope s) {
  return s == Scope::user ? "user" : "system";
}

Family family_of(Browser b) {
  return b == Browser::firefox ? Family::firefox : Family::chromium;
}

std::optional<Browser> browser_from_name(std::string_view name) {
  for (const auto b : kAllBrowsers) {
    if (name == name_of(b)) return b;
  }
  if (name == "google-chrome" || name == "google-chrome-stable") return Browser::chrome;
  if (name == "chromium-browser") return Browser::chromium;
  if (name == "msedge" || name == "microsoft-edge") return Browser::edge;
  if (name == "brave-browser") return Browser::brave;
  if (name == "firefox-esr") return Browser::firefox;
  return std::nullopt;
}

Os current_os() {
#if defined(_WIN32)
  return Os::windows;
#elif defined(__APPLE__)
  return Os::macos;
#else
  return Os::gnu_linux;
#endif
}

Env Env::from_process() {
  Env env;
  env.os = current_os();
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') env.home = h;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x != nullptr && *x == '/') {
    env.config_home = x;
  } else {
    env.config_home = env.home / ".config";
  }
  if (const char* p = std::getenv("PATH"); p != nullptr) {
    std::stringstream ss(p);
    std::string dir;
    while (std::getline(ss, dir, ':')) {
      if (!dir.empty()) env.path_dirs.emplace_back(dir);
    }
  }
  return env;
}

fs::path Env::system(std::string_view absolute) const {
  const fs::path p(absolute);
  return root / p.relative_path();
}

std::vector<ManifestDir> manifest_dirs(Browser browser, Scope scope, const Env& env) {
  std::vector<ManifestDir> out;
  if (env.os == Os::windows) return out;
  for (const auto& row : kTable) {
    if (row.browser == browser && row.os == env.os && row.scope == scope) {
      out.push_back({browser, scope, resolve(row.where, env), row.verified});
    }
  }
  return out;
}

RegistryKey registry_key(Browser browser, Scope scope, std::string_view host_name) {
  for (const auto& row : kTable) {
    if (row.browser == browser && row.os == Os::windows) {
      return {browser, scope, scope == Scope::user ? "HKCU" : "HKLM",
              std::string(row.where) + "\\" + std::string(host_name), row.verified};
    }
  }
  return {browser, scope, "", "", false};
}

BrowserHints hints_for(Browser browser, const Env& env) {
  BrowserHints h;
  const auto app_support = env.home / "Library" / "Application Support";
  switch (browser) {
    case Browser::chrome:
      h.config_dirs = {env.config_home / "google-chrome", app_support / "Google" / "Chrome"};
      h.programs = {"google-chrome", "google-chrome-stable"};
      h.binaries = {env.system("/opt/google/chrome/chrome"),
                    env.system("/Applications/Google Chrome.app")};
      break;
    case Browser::chromium:
      h.config_dirs = {env.config_home / "chromium", app_support / "Chromium"};
      h.programs = {"chromium", "chromium-browser"};
      h.binaries = {env.system("/usr/lib/chromium/chromium"),
                    env.system("/Applications/Chromium.app")};
      break;
    case Browser::edge:
      h.config_dirs = {env.config_home / "microsoft-edge", app_support / "Microsoft Edge"};
      h.programs = {"microsoft-edge", "microsoft-edge-stable"};
      h.binaries = {env.system("/opt/microsoft/msedge/msedge"),
                    env.system("/Applications/Microsoft Edge.app")};
      break;
    case Browser::brave:
      h.config_dirs = {env.config_home / "BraveSoftware" / "Brave-Browser",
                       app_support / "BraveSoftware" / "Brave-Browser"};
      h.programs = {"brave-browser", "brave"};
      h.binaries = {env.system("/opt/brave.com/brave/brave"),
                    env.system("/Applications/Brave Browser.app")};
      break;
    case Browser::vivaldi:
      h.config_dirs = {env.config_home / "vivaldi", app_support / "Vivaldi"};
      h.programs = {"vivaldi", "vivaldi-stable"};
      h.binaries = {env.system("/opt/vivaldi/vivaldi"), env.system("/Applications/Vivaldi.app")};
      break;
    case Browser::firefox:
      h.config_dirs = {env.home / ".mozilla" / "firefox", app_support / "Firefox"};
      h.programs = {"firefox", "firefox-esr"};
      h.binaries = {env.system("/usr/lib/firefox-esr/firefox-esr"),
                    env.system("/usr/lib/firefox/firefox"),
                    env.system("/Applications/Firefox.app")};
      break;
  }
  // Only the folders of the OS in question count.
  std::erase_if(h.config_dirs, [&](const fs::path& p) {
    const bool mac_path = p.string().find("/Library/Application Support/") != std::string::npos;
    return (env.os == Os::macos) != mac_path;
  });
  std::erase_if(h.binaries, [&](const fs::path& p) {
    const bool mac_path = p.string().find("/Applications/") != std::string::npos;
    return (env.os == Os::macos) != mac_path;
  });
  return h;
}

}  // namespace optguard::install
