#pragma once
// The DNR compiler: parsed network filters -> declarativeNetRequest rules that load in
// Chrome and Firefox. docs/dnr.md has the mapping table, priorities and limits.
//
//   filters of a list --(badfilter cancels its twin)--> translate() one filter at a time
//   --> exact | lossy (which loss) | dropped (why) --> merge hostname-only block/allow rules
//   with the same options into one requestDomains rule --> ids, within the rule budget.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filters/dnr/limits.hpp"
#include "filters/filter.hpp"

namespace optguard::filters::dnr {

using Json = nlohmann::json;

// Rule priorities: an exception (allow) beats a block, an `important` block beats an
// exception. Rules the extension adds itself (per-site trust, GPC exemptions) should use
// a priority above kPriorityImportant to win over every list rule.
inline constexpr int kPriorityBlock = 1;
inline constexpr int kPriorityAllow = 2;
inline constexpr int kPriorityImportant = 3;

enum class Outcome { exact, lossy, dropped };
std::string_view outcome_name(Outcome o);

// One filter, translated: the rule without `id` (absent when dropped), and why not exact.
struct Translation {
  Outcome outcome = Outcome::exact;
  std::optional<Json> rule;
  std::vector<std::string> losses;  // for lossy: what the rule does not express
  std::string reason;               // for dropped: why there is no rule
  bool regex = false;               // the rule uses regexFilter
};

// Translates one filter on its own (no budget, no merging, no badfilter).
Translation translate(const NetworkFilter& filter, const Limits& limits = kLimits);

// Why a regex cannot be a regexFilter in both browsers (RE2 in Chromium, JavaScript in
// Firefox), or nullopt when it can. Conservative: rejects lookaround, backreferences,
// named groups, syntax only one engine knows, and regexes too long or too repeated.
std::optional<std::string> regex_rejection(std::string_view regex, const Limits& limits = kLimits);

// A urlFilter/domain piece in ASCII: the host part punycoded (IDNA2008), anything else
// percent-encoded as browsers send it. Nullopt when the host is not a valid IDN.
std::optional<std::string> to_ascii_host(std::string_view host);

// What became of one filter of a list.
struct FilterReport {
  std::string filter;  // the raw line
  Outcome outcome = Outcome::exact;
  std::vector<std::string> losses;
  std::string reason;
  std::optional<int> rule_id;  // the rule it is part of (merged rules share an id)
};

struct Ruleset {
  std::string id;  // "advertising", "tracking", "social", or "dynamic"
  Json rules = Json::array();
  std::vector<FilterReport> filters;
  std::size_t exact = 0, lossy = 0, dropped = 0;
  std::size_t regex_rules = 0;
};

// The budget rulesets share: rules and regex rules left, and the next free id.
struct Budget {
  std::size_t rules;
  std::size_t regex_rules;
  int next_id = 1;
  int last_id = 2147483647;
};

// Compiles the filters of one list into a ruleset, spending from `budget`. Filters over
// the budget are dropped with reason "over the rule budget". badfilter filters cancel
// their twins (reported as dropped, naming the badfilter).
Ruleset compile_ruleset(std::string id, const std::vector<NetworkFilter>& filters, Budget& budget,
                        const Limits& limits = kLimits);

// The report of one ruleset as JSON: counts, reasons and the per-filter list.
Json report_json(const Ruleset& ruleset, bool with_filters = true);

}  // namespace optguard::filters::dnr
