#include "filters/dnr/rulesets.hpp"

#include <algorithm>
#include <map>

#include "filters/parser.hpp"
#include "optguard/version.hpp"

namespace optguard::filters::dnr {

namespace {
int budget_rank(const std::string& ruleset) {
  if (ruleset == "social") return 0;
  if (ruleset == "tracking") return 1;
  return 2;
}
}  // namespace

CompiledRulesets compile_rulesets(const std::vector<ListText>& lists, const Limits& limits) {
  struct Parsed {
    std::vector<NetworkFilter> filters;
    std::map<std::string, std::size_t> skipped;
  };
  std::vector<Parsed> parsed(lists.size());
  for (std::size_t i = 0; i < lists.size(); ++i) {
    std::string_view text = lists[i].text;
    std::size_t start = 0;
    while (start < text.size()) {
      auto end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      auto r = parse_filter_line(text.substr(start, end - start));
      if (r.filter)
        parsed[i].filters.push_back(std::move(*r.filter));
      else if (r.reason != SkipReason::empty)
        ++parsed[i].skipped[std::string(skip_reason_name(r.reason))];
      start = end + 1;
    }
  }
  std::vector<std::size_t> order(lists.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return budget_rank(lists[a].ruleset) < budget_rank(lists[b].ruleset);
  });

  CompiledRulesets out;
  out.rulesets.resize(lists.size());
  Budget budget{limits.static_rules, limits.static_regex_rules, 1, 2147483647};
  for (const auto i : order) {
    out.rulesets[i].ruleset = compile_ruleset(lists[i].ruleset, parsed[i].filters, budget, limits);
    out.rulesets[i].list = lists[i].list;
    out.rulesets[i].source = lists[i].source;
  }

  Json rulesets = Json::array();
  std::size_t rules = 0, regex = 0, exact = 0, lossy = 0, dropped = 0;
  for (std::size_t i = 0; i < lists.size(); ++i) {
    const auto& rs = out.rulesets[i].ruleset;
    auto j = report_json(rs);
    j["list"] = lists[i].list;
    j["source"] = lists[i].source;
    j["parser_skipped"] = parsed[i].skipped;
    rulesets.push_back(std::move(j));
    rules += rs.rules.size();
    regex += rs.regex_rules;
    exact += rs.exact;
    lossy += rs.lossy;
    dropped += rs.dropped;
  }
  std::vector<std::string> budget_order;
  budget_order.reserve(order.size());
  for (const auto i : order) budget_order.push_back(lists[i].ruleset);
  out.report = {
      {"format", 1},
      {"generator", std::string("optguard ") + kHostVersion},
      {"limits",
       {{"static_rules", limits.static_rules},
        {"static_regex_rules", limits.static_regex_rules},
        {"note", "all rulesets together, so every one can be enabled in Chrome and Firefox"}}},
      {"budget_order", budget_order},
      {"totals",
       {{"rules", rules},
        {"max_rules", limits.static_rules},
        {"regex_rules", regex},
        {"max_regex_rules", limits.static_regex_rules},
        {"filters", {{"exact", exact}, {"lossy", lossy}, {"dropped", dropped}}}}},
      {"rulesets", rulesets}};
  return out;
}

Json report_summary(const Json& report) {
  Json s = report;
  for (auto& r : s["rulesets"]) r.erase("per_filter");
  return s;
}

}  // namespace optguard::filters::dnr
