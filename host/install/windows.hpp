#pragma once
// Windows: a browser finds the host through a registry key (HKCU per user, HKLM for all
// users) whose default value is the full path of the manifest file. This cannot run on the
// Linux build machines, so the values are computed here (and unit-tested) and applied by a
// PowerShell script that `optguard install --windows-script` prints.

#include <string>
#include <vector>

#include "install/browsers.hpp"
#include "install/identities.hpp"

namespace optguard::install {

struct RegistryValue {
  Browser browser;
  std::string hive;  // "HKCU" or "HKLM"
  std::string key;   // "Software\\Google\\Chrome\\NativeMessagingHosts\\org.optguard.host"
  std::string data;  // the default value: full path of the manifest file
  bool verified = true;
};

struct WindowsManifest {
  Family family;
  std::string path;  // "C:\\Users\\u\\AppData\\Local\\optguard\\chromium\\org.optguard.host.json"
  std::string content;  // the JSON, with the host path escaped
};

struct WindowsPlan {
  std::vector<WindowsManifest> manifests;  // one per family in use
  std::vector<RegistryValue> values;       // one per browser (Brave and Vivaldi share Chrome's)
};

// `manifest_dir` is where the manifests go, e.g. "C:\\Users\\u\\AppData\\Local\\optguard";
// `host_path` the full path of optguard.exe.
WindowsPlan windows_plan(const std::vector<Browser>& browsers, Scope scope,
                         const std::string& manifest_dir, const std::string& host_path,
                         const Identities& ids = identities());

// A PowerShell script that writes the manifests and registry values for every browser
// (or removes them with -Uninstall). Parameters: -HostPath (default: optguard.exe beside
// the script), -System (HKLM and %ProgramData% instead of HKCU and %LOCALAPPDATA%).
std::string powershell_script(const Identities& ids = identities());

}  // namespace optguard::install
