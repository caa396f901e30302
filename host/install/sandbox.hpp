#pragma once
// Browsers installed as Flatpak or Snap packages run sandboxed: they do not read the
// manifest folders of the table in browsers.hpp, and cannot start a program outside
// their sandbox. What works for each packaging, and the workaround, is written out here
// with the real paths filled in (docs/install.md has the background).

#include <filesystem>
#include <string>
#include <vector>

#include "install/browsers.hpp"

namespace optguard::install {

enum class Packaging { flatpak, snap };
std::string_view name_of(Packaging p);

struct SandboxNote {
  Browser browser;
  Packaging packaging;
  std::string app_id;              // Flatpak id or snap name
  std::filesystem::path evidence;  // what was found
  bool works_with_plain_install;   // does the normal per-user manifest suffice?
  std::string summary;             // what works and what does not
  std::vector<std::string> steps;  // exact commands of the workaround
};

// Looks for Flatpak (~/.var/app/ID, ~/.local/share/flatpak/app/ID, /var/lib/flatpak/app/ID)
// and Snap (~/snap/NAME, /snap/bin/NAME, /snap/NAME) installs of every browser.
std::vector<SandboxNote> detect_sandboxed(const Env& env, const std::filesystem::path& host_path);

// Human-readable block for one note (install and doctor print it).
std::string to_text(const SandboxNote& note);

}  // namespace optguard::install
