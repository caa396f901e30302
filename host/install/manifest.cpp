#include "install/manifest.hpp"

#include "common/errors.hpp"
#include "install/embedded.hpp"

namespace optguard::install {
namespace {
std::string substitute(std::string s, const std::string& key, const std::string& value) {
  const std::string token = "{" + key + "}";
  for (auto pos = s.find(token); pos != std::string::npos;
       pos = s.find(token, pos + value.size())) {
    s.replace(pos, token.size(), value);
  }
  return s;
}

// Fills the placeholders inside every string value, leaving the JSON structure alone.
void fill(nlohmann::json& j, const std::filesystem::path& host_path, const Identities& ids) {
  if (j.is_string()) {
    auto s = j.get<std::string>();
    s = substitute(s, "host_name", ids.host_name);
    s = substitute(s, "chromium_id", ids.chromium_id);
    s = substitute(s, "firefox_id", ids.firefox_id);
    s = substitute(s, "host_path", host_path.string());
    j = s;
  } else if (j.is_structured()) {
    for (auto& child : j) fill(child, host_path, ids);
  }
}
}  // namespace

nlohmann::json make_manifest(Family family, const std::filesystem::path& host_path,
                             const Identities& ids) {
  if (!host_path.is_absolute()) {
    throw Error(ErrorCode::bad_params, "the host path must be absolute: " + host_path.string());
  }
  auto j = nlohmann::json::parse(family == Family::firefox ? embedded::kFirefoxTemplate
                                                           : embedded::kChromiumTemplate);
  fill(j, host_path, ids);
  return j;
}

std::string render(const nlohmann::json& manifest) {
  return manifest.dump(2) + "\n";
}

std::string manifest_file_name(const Identities& ids) {
  return ids.host_name + ".json";
}

std::vector<ManifestProblem> check_manifest(const nlohmann::json& m, Family family,
                                            const Identities& ids) {
  std::vector<ManifestProblem> out;
  if (!m.is_object()) return {{"not_an_object", "the manifest is not a JSON object"}};
  const auto str = [&](const char* key) -> std::string {
    const auto it = m.find(key);
    return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (str("name") != ids.host_name) {
    out.push_back(
        {"wrong_name", R"("name" is ")" + str("name") + R"(", not ")" + ids.host_name + "\""});
  }
  if (str("type") != "stdio")
    out.push_back({"wrong_type", R"("type" is ")" + str("type") + R"(", not "stdio")"});
  const auto path = str("path");
  if (path.empty()) {
    out.push_back({"no_path", "\"path\" is missing"});
  } else if (!std::filesystem::path(path).is_absolute()) {
    out.push_back({"relative_path",
                   "\"path\" is relative (" + path + "); Linux and macOS need an absolute path"});
  }
  const char* list_key = family == Family::firefox ? "allowed_extensions" : "allowed_origins";
  const std::string want = family == Family::firefox ? ids.firefox_id : ids.chromium_origin();
  const auto it = m.find(list_key);
  bool found = false;
  if (it != m.end() && it->is_array()) {
    for (const auto& v : *it) found = found || (v.is_string() && v.get<std::string>() == want);
  }
  if (!found) {
    const std::string have = it != m.end() ? it->dump() : std::string("nothing");
    out.push_back({"wrong_id", std::string("\"") + list_key + "\" is " + have +
                                   ", which does not allow " + want});
  }
  return out;
}

}  // namespace optguard::install
