#pragma once
// The browsers optguard registers with, and THE table of where each one looks for a
// native-messaging host manifest, per OS and scope (docs/install.md shows the same table
// with its sources). Everything else (install, uninstall, doctor) asks this file.
//
// The OS is a parameter, not a compile-time fact, so the macOS and Windows rows are
// testable on Linux.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace optguard::install {

enum class Os { gnu_linux, macos, windows };
enum class Scope { user, system };
// Which manifest flavour a browser reads: Chromium family (`allowed_origins`) or Firefox
// (`allowed_extensions`); they also start the host with different arguments.
enum class Family { chromium, firefox };
enum class Browser { chrome, chromium, edge, brave, vivaldi, firefox };

inline constexpr Browser kAllBrowsers[] = {Browser::chrome, Browser::chromium, Browser::edge,
                                           Browser::brave,  Browser::vivaldi,  Browser::firefox};

std::string_view name_of(Browser b);          // "chrome", ... (the --browser names)
std::string_view display_name_of(Browser b);  // "Google Chrome", ...
std::string_view name_of(Os os);              // "linux", "macos", "windows"
std::string_view name_of(Scope s);            // "user", "system"
Family family_of(Browser b);
// Parses a --browser name (also accepts "firefox-esr", "google-chrome", "msedge").
std::optional<Browser> browser_from_name(std::string_view name);
Os current_os();

// Where the paths in the table are rooted. Tests build one over a fake HOME and a fake
// root; `from_process()` reads HOME, XDG_CONFIG_HOME and PATH.
struct Env {
  Os os = Os::gnu_linux;
  std::filesystem::path home;         // $HOME
  std::filesystem::path config_home;  // $XDG_CONFIG_HOME if absolute, else $HOME/.config
  std::filesystem::path root = "/";   // prefix for system-wide paths (tests use a temp dir)
  std::vector<std::filesystem::path> path_dirs;  // $PATH, to find browser binaries

  static Env from_process();
  // A system path like "/etc/opt/chrome" under `root`.
  std::filesystem::path system(std::string_view absolute) const;
};

// One row of the table for Linux and macOS: a directory that holds
// `<host name>.json`. `verified` is false where no official documentation names the path
// (docs/install.md says which source each row comes from).
struct ManifestDir {
  Browser browser;
  Scope scope;
  std::filesystem::path dir;
  bool verified = true;
};

// Every directory `browser` reads on `env.os` in `scope` (Firefox on Linux system-wide has
// two: /usr/lib/mozilla and /usr/lib64/mozilla). Empty on Windows (registry instead).
std::vector<ManifestDir> manifest_dirs(Browser browser, Scope scope, const Env& env);

// Windows: the registry key whose default value is the full path of the manifest file.
struct RegistryKey {
  Browser browser;
  Scope scope;
  std::string hive;  // "HKCU" or "HKLM"
  std::string key;   // e.g. "Software\\Google\\Chrome\\NativeMessagingHosts\\org.optguard.host"
  bool verified = true;
};
RegistryKey registry_key(Browser browser, Scope scope, std::string_view host_name);

// Signs that a browser is installed for this user: its profile folder or its program.
struct BrowserHints {
  std::vector<std::filesystem::path> config_dirs;  // profile folders
  std::vector<std::string> programs;               // names looked up on PATH
  std::vector<std::filesystem::path> binaries;     // absolute install locations
};
BrowserHints hints_for(Browser browser, const Env& env);

}  // namespace optguard::install
