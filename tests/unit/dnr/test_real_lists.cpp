// Compiles the REAL Debian EasyList + EasyPrivacy (+ the social list) and checks every
// produced rule against the rule validator for Chrome and for Firefox, and the limits.
#include <catch2/catch.hpp>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "filters/dnr/rulesets.hpp"
#include "filters/social_list.hpp"
#include "rule_validator.hpp"

using namespace optguard::filters;

namespace {
constexpr const char* kDir =
    "/usr/share/chromium/extensions/ublock-origin/assets/thirdparties/easylist/";
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST_CASE("the real EasyList and EasyPrivacy compile to rulesets both browsers load",
          "[dnr][real]") {
  const std::string easylist = slurp(std::string(kDir) + "easylist.txt");
  const std::string easyprivacy = slurp(std::string(kDir) + "easyprivacy.txt");
  REQUIRE(easylist.size() > 100000);  // the Debian package webext-ublock-origin-chromium
  REQUIRE(easyprivacy.size() > 100000);
  const auto compiled =
      dnr::compile_rulesets({{"advertising", "easylist", "debian", easylist},
                             {"tracking", "easyprivacy", "debian", easyprivacy},
                             {"social", "social", "builtin", std::string(builtin_social_list())}});
  std::set<long> ids;
  std::size_t total = 0, regex = 0, bad = 0;
  for (const auto& c : compiled.rulesets) {
    CHECK(c.ruleset.rules.size() > 0);
    for (const auto& rule : c.ruleset.rules) {
      ++total;
      ids.insert(rule["id"].get<long>());
      if (rule["condition"].contains("regexFilter")) ++regex;
      for (const auto browser :
           {optguard::test::Browser::chrome, optguard::test::Browser::firefox}) {
        const auto errs = optguard::test::validate_rule(rule, browser);
        if (!errs.empty() && bad++ < 20) FAIL_CHECK(rule.dump() << ": " << errs.front());
      }
    }
    // Every network filter is accounted for exactly once.
    CHECK(c.ruleset.exact + c.ruleset.lossy + c.ruleset.dropped == c.ruleset.filters.size());
  }
  CHECK(bad == 0);
  CHECK(ids.size() == total);
  CHECK(total <= dnr::kLimits.static_rules);
  CHECK(regex <= dnr::kLimits.static_regex_rules);
  CHECK(compiled.report["totals"]["rules"] == total);
  CHECK(compiled.report["totals"]["regex_rules"] == regex);
  std::cout << dnr::report_summary(compiled.report).dump(1) << '\n';
}
