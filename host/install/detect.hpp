#pragma once
// Which browsers are installed for this user: a profile folder or a program on PATH.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "install/browsers.hpp"

namespace optguard::install {

struct Detection {
  Browser browser;
  std::string evidence;  // the folder or program that gave it away
};

// The browsers found, in table order.
std::vector<Detection> detect_browsers(const Env& env);
std::optional<Detection> detect_browser(Browser browser, const Env& env);

// A regular file the current user may execute.
bool is_executable_file(const std::filesystem::path& p);

}  // namespace optguard::install
