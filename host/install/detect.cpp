#include "install/detect.hpp"

#include <unistd.h>

#include <system_error>

namespace optguard::install {
namespace fs = std::filesystem;

bool is_executable_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

std::optional<Detection> detect_browser(Browser browser, const Env& env) {
  std::error_code ec;
  const auto hints = hints_for(browser, env);
  for (const auto& dir : hints.config_dirs) {
    if (fs::is_directory(dir, ec)) return Detection{browser, "profile folder " + dir.string()};
  }
  for (const auto& prog : hints.programs) {
    for (const auto& dir : env.path_dirs) {
      if (is_executable_file(dir / prog))
        return Detection{browser, "program " + (dir / prog).string()};
    }
  }
  for (const auto& bin : hints.binaries) {
    // macOS .app bundles are folders.
    if (is_executable_file(bin) || fs::is_directory(bin, ec)) {
      return Detection{browser, "program " + bin.string()};
    }
  }
  return std::nullopt;
}

std::vector<Detection> detect_browsers(const Env& env) {
  std::vector<Detection> out;
  for (const auto b : kAllBrowsers) {
    if (auto d = detect_browser(b, env)) out.push_back(*d);
  }
  return out;
}

}  // namespace optguard::install
