#pragma once
// The native-messaging host manifest: built from the templates in manifests/ and checked
// field by field (doctor uses the same checks).

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "install/browsers.hpp"
#include "install/identities.hpp"

namespace optguard::install {

// The manifest for `family`, naming `host_path` (must be absolute).
nlohmann::json make_manifest(Family family, const std::filesystem::path& host_path,
                             const Identities& ids = identities());
// The bytes written to disk: 2-space JSON (serialised, so every path is escaped) and "\n".
std::string render(const nlohmann::json& manifest);
// "<host name>.json".
std::string manifest_file_name(const Identities& ids = identities());

// What is wrong with a manifest a browser of `family` would read; empty when it is right.
// Does not look at the file system (the host path is checked by diagnose()).
struct ManifestProblem {
  std::string what;  // "wrong_name", "wrong_type", "no_path", "relative_path", "wrong_id", ...
  std::string detail;
};
std::vector<ManifestProblem> check_manifest(const nlohmann::json& manifest, Family family,
                                            const Identities& ids = identities());

}  // namespace optguard::install
