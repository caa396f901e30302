#pragma once
// What `optguard doctor` says about each browser: the manifest is where the browser looks,
// parses, names an existing executable host, allows the right extension, and the host
// starts the way the browser starts it and answers hello. Each failure has its cause and
// the exact fix.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "install/browsers.hpp"
#include "install/installer.hpp"

namespace optguard::install {

enum class Severity { ok, info, warn, fail };

struct Diagnosis {
  std::string check;  // "browser:chromium"
  Severity severity = Severity::ok;
  std::string detail;
  std::string fix;
};

struct DiagnoseOptions {
  bool probe = true;  // start the host and ask hello
  std::chrono::milliseconds timeout{5000};
};

// One manifest file as `browser` would read it.
Diagnosis diagnose_manifest(Browser browser, const std::filesystem::path& file,
                            const DiagnoseOptions& options);

// Every browser found on this machine, recorded by install, or with a manifest in place;
// also each Flatpak/Snap install (as a warning with its workaround).
std::vector<Diagnosis> diagnose_browsers(const Env& env, const InstallRecord& record,
                                         const std::filesystem::path& self,
                                         const DiagnoseOptions& options);

}  // namespace optguard::install
