// Compiling whole lists: badfilter, merging of hostname rules, the shared budget and its
// limits, the report, and the social list (which must compile without loss).
#include <catch2/catch.hpp>
#include <set>

#include "filters/dnr/dynamic_rules.hpp"
#include "filters/dnr/rulesets.hpp"
#include "filters/parser.hpp"
#include "filters/social_list.hpp"
#include "rule_validator.hpp"

using namespace optguard::filters;
using nlohmann::json;

namespace {
std::vector<NetworkFilter> parse_all(std::initializer_list<const char*> lines) {
  std::vector<NetworkFilter> out;
  for (const char* l : lines) {
    auto r = parse_filter_line(l);
    INFO(l);
    REQUIRE(r.filter);
    out.push_back(*r.filter);
  }
  return out;
}
dnr::Budget big_budget() {
  return {30000, 1000, 1, 2147483647};
}
}  // namespace

TEST_CASE("badfilter cancels its twin before compiling, in either order", "[dnr]") {
  auto filters = parse_all({"||ads.example^$script,domain=a.example|b.example", "||keep.example^",
                            "||ads.example^$script,domain=b.example|a.example,badfilter",
                            "/banner.$badfilter", "/banner."});
  auto budget = big_budget();
  const auto rs = dnr::compile_ruleset("advertising", filters, budget);
  REQUIRE(rs.rules.size() == 1);
  CHECK(rs.rules[0]["condition"]["requestDomains"] == json::array({"keep.example"}));
  CHECK(rs.dropped == 4);
  CHECK(rs.filters[0].reason.rfind("cancelled by badfilter", 0) == 0);
  CHECK(rs.filters[2].reason.rfind("badfilter", 0) == 0);
  CHECK(rs.filters[4].reason.rfind("cancelled by badfilter", 0) == 0);
}

TEST_CASE("hostname-only filters with the same options merge into one rule", "[dnr]") {
  auto filters = parse_all({"||a.example^$third-party", "||b.example^$third-party", "||c.example^",
                            "||d.example^$third-party", "||e.example/path"});
  auto budget = big_budget();
  const auto rs = dnr::compile_ruleset("tracking", filters, budget);
  REQUIRE(rs.rules.size() == 3);
  CHECK(rs.rules[0]["condition"]["requestDomains"] ==
        json::array({"a.example", "b.example", "d.example"}));
  CHECK(rs.rules[0]["condition"]["domainType"] == "thirdParty");
  CHECK(rs.filters[1].rule_id == rs.filters[0].rule_id);
  CHECK(rs.filters[3].rule_id == rs.filters[0].rule_id);
  CHECK(rs.exact == 5);
  CHECK(budget.rules == 30000 - 3);
}

TEST_CASE("the rule and regex budgets are shared and never exceeded", "[dnr]") {
  auto filters = parse_all({"/a1.", "/a2.", "/a3.", "/r1[0-9]/", "/r2[0-9]/"});
  dnr::Budget budget{3, 1, 10, 2147483647};
  const auto rs = dnr::compile_ruleset("advertising", filters, budget);
  CHECK(rs.rules.size() == 3);
  CHECK(rs.rules[0]["id"] == 10);
  CHECK(rs.dropped == 2);
  CHECK(rs.filters[3].reason.rfind("over the rule budget", 0) == 0);
  CHECK(budget.rules == 0);

  dnr::Budget regex_budget{100, 1, 1, 2147483647};
  const auto rs2 = dnr::compile_ruleset("advertising", filters, regex_budget);
  CHECK(rs2.regex_rules == 1);
  CHECK(rs2.filters[4].reason.rfind("over the regex rule budget", 0) == 0);
}

TEST_CASE("ids stay unique across rulesets compiled with one budget", "[dnr]") {
  const std::vector<dnr::ListText> lists{
      {"advertising", "easylist", "test", "||a.example^\n/ad.\n"},
      {"tracking", "easyprivacy", "test", "||t.example^\n/pixel.\n"},
      {"social", "social", "builtin", std::string(builtin_social_list())}};
  const auto compiled = dnr::compile_rulesets(lists);
  std::set<int> ids;
  std::size_t total = 0;
  for (const auto& rs : compiled.rulesets) {
    for (const auto& r : rs.ruleset.rules) {
      ids.insert(r["id"].get<int>());
      ++total;
    }
  }
  CHECK(ids.size() == total);
  CHECK(compiled.report["totals"]["rules"] == total);
  CHECK(compiled.report["rulesets"][0]["id"] == "advertising");
  CHECK(compiled.report["budget_order"] == json::array({"social", "tracking", "advertising"}));
  CHECK(compiled.report["rulesets"][0]["per_filter"].size() == 2);
  CHECK(dnr::report_summary(compiled.report)["rulesets"][0].contains("per_filter") == false);
}

TEST_CASE("the social list compiles to DNR without loss", "[dnr][social]") {
  const std::vector<dnr::ListText> lists{
      {"social", "social", "builtin", std::string(builtin_social_list())}};
  const auto compiled = dnr::compile_rulesets(lists);
  const auto& rs = compiled.rulesets[0].ruleset;
  INFO(compiled.report.dump(1));
  CHECK(rs.filters.size() >= 60);
  CHECK(rs.lossy == 0);
  CHECK(rs.dropped == 0);
  CHECK(compiled.report["rulesets"][0]["parser_skipped"].value("unsupported_option", 0) == 0);
  CHECK(compiled.report["rulesets"][0]["parser_skipped"].value("malformed", 0) == 0);
  for (const auto& f : rs.filters) {
    INFO(f.filter);
    CHECK(f.filter.find("third-party") != std::string::npos);
  }
  for (const auto& r : rs.rules) {
    CHECK(optguard::test::validate_rule(r, optguard::test::Browser::chrome).empty());
    CHECK(optguard::test::validate_rule(r, optguard::test::Browser::firefox).empty());
  }
}

TEST_CASE("dynamic rules: ids 1..99999, a version that follows the rules", "[dnr][dynamic]") {
  const auto a =
      dnr::compile_dynamic_rules({{"custom", parse_all({"||x.example^", "@@||y.example/ok.js"})}});
  REQUIRE(a.rules.size() == 2);
  CHECK(a.rules[0]["id"] == 1);
  CHECK(a.rules[1]["id"] == 2);
  const auto b =
      dnr::compile_dynamic_rules({{"custom", parse_all({"||x.example^", "@@||y.example/ok.js"})}});
  CHECK(a.version == b.version);
  const auto c = dnr::compile_dynamic_rules({{"custom", parse_all({"||x.example^"})}});
  CHECK(c.version != a.version);
  dnr::Limits small = dnr::kLimits;
  small.dynamic_rules_for_host = 1;
  const auto d = dnr::compile_dynamic_rules({{"custom", parse_all({"/a.", "/b."})}}, small);
  CHECK(d.rules.size() == 1);
  CHECK(d.reports[0].dropped == 1);
}
