#include "filters/dnr/dynamic_rules.hpp"

#include <cstdint>
#include <cstdio>

namespace optguard::filters::dnr {

std::string digest_hex(std::string_view text) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  char out[17];
  (void)std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

DynamicRules compile_dynamic_rules(const std::vector<DynamicSource>& sources,
                                   const Limits& limits) {
  DynamicRules out;
  Budget budget{limits.dynamic_rules_for_host, limits.dynamic_regex_rules, limits.first_dynamic_id,
                limits.last_dynamic_id};
  for (const auto& source : sources) {
    Ruleset rs = compile_ruleset(source.id, source.filters, budget, limits);
    for (auto& rule : rs.rules) out.rules.push_back(rule);
    out.reports.push_back(std::move(rs));
  }
  out.version = digest_hex(out.rules.dump());
  return out;
}

}  // namespace optguard::filters::dnr
