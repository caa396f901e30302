#include "app/dnr_lists.hpp"

#include "common/errors.hpp"
#include "filters/catalogue.hpp"

namespace optguard::app {

std::vector<filters::dnr::ListText> dnr_lists(Services& services) {
  // The engine's catalogue: the same lists, files and categories the matcher uses.
  const auto entries = filters::default_catalogue(services.home());
  std::vector<filters::CatalogueEntry> wanted;
  for (const auto category :
       {filters::Category::advertising, filters::Category::tracking, filters::Category::social}) {
    bool found = false;
    for (const auto& e : entries) {
      if (e.category != category) continue;
      if (!e.present) {
        throw Error(ErrorCode::not_found,
                    "the " + e.name + " list is missing (" + e.path.string() +
                        "): install the Debian package webext-ublock-origin-chromium "
                        "or hand the list in with lists_update");
      }
      wanted.push_back(e);
      found = true;
    }
    if (!found) throw Error(ErrorCode::not_found, "the catalogue has no list for a DNR ruleset");
  }
  const auto loaded = filters::read_catalogue(wanted);
  std::vector<filters::dnr::ListText> out;
  for (std::size_t i = 0; i < loaded.sources.size(); ++i) {
    const auto& src = loaded.sources[i];
    const auto& entry = wanted.at(i);
    const char* ruleset = src.category == filters::Category::advertising ? "advertising"
                          : src.category == filters::Category::tracking  ? "tracking"
                                                                         : "social";
    out.push_back(
        {ruleset, src.name, entry.path.empty() ? entry.origin : entry.path.string(), src.text});
  }
  return out;
}

std::filesystem::path custom_filters_path(Services& services) {
  return services.home() / "filters" / "custom.txt";
}

}  // namespace optguard::app
