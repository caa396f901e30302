#pragma once
// The lists compile-dnr turns into static rulesets (one per category), and the shared
// compilation step used by the command and the tests.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "app/services.hpp"
#include "filters/dnr/dynamic_rules.hpp"
#include "filters/dnr/rulesets.hpp"
#include "protocol/limits.hpp"

namespace optguard::app {

// The lists of the static rulesets, from the engine's catalogue (filters/catalogue.hpp):
// EasyList (<home>/lists/easylist.txt, else Debian's packaged copy), EasyPrivacy (likewise)
// and the built-in social list. Throws Error(not_found) when a list is missing.
std::vector<filters::dnr::ListText> dnr_lists(Services& services);

// <home>/filters/custom.txt
std::filesystem::path custom_filters_path(Services& services);

// One page of get_rules: {rules, next_cursor, version}. The cursor carries the version it
// was made for; a cursor from older rules is refused (bad_params) so pages never mix.
nlohmann::json get_rules_page(const filters::dnr::DynamicRules& all,
                              const std::optional<std::string>& cursor,
                              std::size_t budget = protocol::kMaxReplyBytes -
                                                   std::size_t{16} * 1024);

}  // namespace optguard::app
