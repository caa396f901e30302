#include "app/dnr_lists.hpp"

#include <algorithm>
#include <map>

#include "common/errors.hpp"
#include "filters/custom/atomic_file.hpp"
#include "filters/parser.hpp"
#include "filters/social_list.hpp"
#include "optguard/version.hpp"

namespace optguard::app {

namespace {

namespace dnr = filters::dnr;

constexpr const char* kDebianLists =
    "/usr/share/chromium/extensions/ublock-origin/assets/thirdparties/easylist/";

std::string read_packaged(const std::string& name) {
  const std::string path = std::string(kDebianLists) + name + ".txt";
  auto text = filters::read_file_if_exists(path);
  if (!text) {
    throw Error(ErrorCode::not_found,
                path + " is missing: install the Debian package webext-ublock-origin-chromium");
  }
  return *text;
}

}  // namespace

std::vector<filters::dnr::ListText> dnr_lists() {
  // The swap point for the engine's list catalogue: same lists, same categories.
  const std::string dir = kDebianLists;
  return {{"advertising", "easylist", dir + "easylist.txt", read_packaged("easylist")},
          {"tracking", "easyprivacy", dir + "easyprivacy.txt", read_packaged("easyprivacy")},
          {"social", "social", "builtin", std::string(filters::builtin_social_list())}};
}

std::filesystem::path custom_filters_path(Services& services) {
  return services.home() / "filters" / "custom.txt";
}

}  // namespace optguard::app
