#pragma once
// Whole lists -> static rulesets: parse every line, compile each list into its category's
// ruleset with ONE budget shared by all (limits.static_rules, limits.static_regex_rules),
// and build report.json. Used by `optguard compile-dnr` and the tests.

#include <string>
#include <vector>

#include "filters/dnr/compiler.hpp"

namespace optguard::filters::dnr {

struct ListText {
  std::string ruleset;  // "advertising", "tracking", "social" (the manifest's rule_resources ids)
  std::string list;     // "easylist", "easyprivacy", "social"
  std::string source;   // where the text came from (a path, or "builtin")
  std::string text;
};

struct CompiledRuleset {
  Ruleset ruleset;
  std::string list, source;
};
struct CompiledRulesets {
  std::vector<CompiledRuleset> rulesets;  // in the order of the lists given
  Json report;                            // report.json (with the per-filter lists)
};

// The budget is spent social first, then tracking, then advertising: the smaller, more
// specific lists are never starved by the big one.
CompiledRulesets compile_rulesets(const std::vector<ListText>& lists,
                                  const Limits& limits = kLimits);

// The report without the per-filter lists (what `compile-dnr --json` prints).
Json report_summary(const Json& report);

}  // namespace optguard::filters::dnr
