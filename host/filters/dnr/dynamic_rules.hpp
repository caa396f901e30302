#pragma once
// Dynamic DNR rules for the user's own filters (custom, learned): the host compiles them,
// the extension installs them with updateDynamicRules. Ids 1..99999 belong to the host
// (the extension keeps ids >= 100000 for its own rules).

#include <string>
#include <vector>

#include "filters/dnr/compiler.hpp"

namespace optguard::filters::dnr {

struct DynamicRules {
  Json rules = Json::array();    // ready for updateDynamicRules({addRules})
  std::string version;           // changes whenever `rules` change (a hash of them)
  std::vector<Ruleset> reports;  // one per source, in order
};

struct DynamicSource {
  std::string id;  // "custom", "learned"
  std::vector<NetworkFilter> filters;
};

// Compiles the sources in order with ids from limits.first_dynamic_id, within
// limits.dynamic_rules_for_host rules and limits.dynamic_regex_rules regexes.
DynamicRules compile_dynamic_rules(const std::vector<DynamicSource>& sources,
                                   const Limits& limits = kLimits);

// A stable hex digest (FNV-1a 64) of a text, for versions.
std::string digest_hex(std::string_view text);

}  // namespace optguard::filters::dnr
