#include "app/launch.hpp"

#include <string_view>

namespace optguard::app {

std::optional<protocol::Caller> browser_launch(std::span<char* const> args) {
  if (args.size() < 2 || args[1] == nullptr) return std::nullopt;
  const std::string_view first{args[1]};
  if (first.starts_with("chrome-extension://")) {
    return protocol::Caller{"chromium", std::string(first), ""};
  }
  // Firefox: an absolute path to the host manifest, then the add-on id.
  const bool absolute = first.starts_with('/') || (first.size() > 2 && first[1] == ':');
  if (args.size() == 3 && absolute && first.ends_with(".json") && args[2] != nullptr &&
      *args[2] != '\0' && *args[2] != '-') {
    return protocol::Caller{"firefox", std::string(args[2]), std::string(first)};
  }
  return std::nullopt;
}

}  // namespace optguard::app
