#include "install/identities.hpp"

#include <nlohmann/json.hpp>

#include "install/embedded.hpp"

namespace optguard::install {

const Identities& identities() {
  static const Identities ids = [] {
    const auto j = nlohmann::json::parse(embedded::kIdsJson);
    return Identities{j.at("host_name").get<std::string>(), j.at("chromium_id").get<std::string>(),
                      j.at("chromium_key").get<std::string>(),
                      j.at("firefox_id").get<std::string>()};
  }();
  return ids;
}

}  // namespace optguard::install
