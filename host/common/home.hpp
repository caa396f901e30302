#pragma once
// The optguard home directory (DESIGN.md "Data at rest"):
// $OPTGUARD_HOME, else $XDG_DATA_HOME/optguard, else ~/.local/share/optguard
// (macOS: ~/Library/Application Support/optguard).

#include <filesystem>
#include <string>

namespace optguard {

struct HomeLocation {
  std::filesystem::path path;
  std::string source;  // "OPTGUARD_HOME", "XDG_DATA_HOME", "default"
};

// Where the home is; does not create it. Throws Error(io_error) with no HOME at all.
HomeLocation locate_home();

// Creates the home (mode 0700) if missing; refuses (Error unsafe_permissions) a home
// that group or others can access, naming the chmod that fixes it.
std::filesystem::path ensure_home(const HomeLocation& home);

// "0700"-style octal of a path's permission bits.
std::string mode_string(std::filesystem::perms p);

}  // namespace optguard
