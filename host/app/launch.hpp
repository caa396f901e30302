#pragma once
// Recognising a browser launch. Browsers start the host with their own arguments:
//   Chrome, Chromium, Edge, Brave, Vivaldi: [host, "chrome-extension://ID/"] (Windows adds
//     "--parent-window=N");
//   Firefox: [host, "/path/to/manifest.json", "addon@id"].
// Anything else is the `optguard` command line.

#include <optional>
#include <span>

#include "protocol/router.hpp"

namespace optguard::app {
std::optional<protocol::Caller> browser_launch(std::span<char* const> args);
}  // namespace optguard::app
