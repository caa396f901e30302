// Every translation case: each option -> its DNR field, priorities, entity domains,
// regex acceptance, punycode. Cases are data (translate_cases.json), one test runs them.
#include <catch2/catch.hpp>
#include <fstream>

#include "filters/dnr/compiler.hpp"
#include "filters/parser.hpp"
#include "rule_validator.hpp"

using namespace optguard::filters;
using nlohmann::json;

namespace {
json load_cases() {
  std::ifstream in(std::string(OPTGUARD_DNR_TEST_DATA) + "/translate_cases.json");
  REQUIRE(in);
  return json::parse(in);
}
}  // namespace

TEST_CASE("translation cases from translate_cases.json", "[dnr]") {
  const json cases = load_cases();
  REQUIRE(cases.size() >= 25);
  for (const auto& c : cases) {
    const std::string line = c["filter"];
    INFO("filter: " << line);
    const auto parsed = parse_filter_line(line);
    INFO("parser: " << skip_reason_name(parsed.reason) << " " << parsed.detail);
    if (c.contains("parser")) {
      // Refused before translation: e.g. a back-reference, which the engine's linear-time
      // regex executor cannot run, so neither the engine nor DNR ever sees it.
      CHECK_FALSE(parsed.filter);
      CHECK(std::string(skip_reason_name(parsed.reason)) == c["parser"].get<std::string>());
      continue;
    }
    REQUIRE(parsed.filter);
    const auto t = dnr::translate(*parsed.filter);
    CHECK(std::string(dnr::outcome_name(t.outcome)) == c.value("outcome", "exact"));
    if (c.contains("rule")) {
      REQUIRE(t.rule);
      CHECK(t.rule->dump() == c["rule"].dump());
      json with_id = *t.rule;
      with_id["id"] = 1;
      CHECK(optguard::test::validate_rule(with_id, optguard::test::Browser::chrome).empty());
      CHECK(optguard::test::validate_rule(with_id, optguard::test::Browser::firefox).empty());
    } else {
      CHECK_FALSE(t.rule);
    }
    if (c.contains("loss")) {
      bool found = false;
      for (const auto& l : t.losses) found = found || l.rfind(c["loss"].get<std::string>(), 0) == 0;
      INFO("losses: " << json(t.losses).dump());
      CHECK(found);
    }
    if (c.contains("reason")) CHECK(t.reason == c["reason"].get<std::string>());
  }
}

TEST_CASE("exceptions outrank blocks, important outranks exceptions", "[dnr]") {
  CHECK(dnr::kPriorityAllow > dnr::kPriorityBlock);
  CHECK(dnr::kPriorityImportant > dnr::kPriorityAllow);
  const auto block = dnr::translate(*parse_filter_line("||a.example^").filter);
  const auto allow = dnr::translate(*parse_filter_line("@@||a.example^").filter);
  const auto important = dnr::translate(*parse_filter_line("||a.example^$important").filter);
  CHECK((*allow.rule)["priority"].get<int>() > (*block.rule)["priority"].get<int>());
  CHECK((*important.rule)["priority"].get<int>() > (*allow.rule)["priority"].get<int>());
  // List rules stay below the extension's own rules (trust 10000, headers 20000).
  CHECK((*important.rule)["priority"].get<int>() < 10000);
}

TEST_CASE("non-ASCII hosts are punycoded, other text percent-encoded", "[dnr]") {
  CHECK(dnr::to_ascii_host("bücher.example") ==
        std::optional<std::string>("xn--bcher-kva.example"));
  CHECK(dnr::to_ascii_host("Example.COM") == std::optional<std::string>("example.com"));
  CHECK(dnr::to_ascii_host("例え.テスト") == std::optional<std::string>("xn--r8jz45g.xn--zckzah"));
  const auto t = dnr::translate(*parse_filter_line("werbung-für-alle").filter);
  REQUIRE(t.rule);
  // Percent-encoded as browsers send it (lowercase hex: the match is case-insensitive).
  CHECK((*t.rule)["condition"]["urlFilter"] == "werbung-f%c3%bcr-alle");
}

TEST_CASE("entity exclusions are approximated and reported", "[dnr]") {
  const auto t = dnr::translate(*parse_filter_line("/ad.js$domain=~google.*").filter);
  REQUIRE(t.rule);
  CHECK(t.outcome == dnr::Outcome::lossy);
  CHECK((*t.rule)["condition"]["excludedInitiatorDomains"].size() == 24);
  CHECK_FALSE((*t.rule)["condition"].contains("initiatorDomains"));
}

TEST_CASE("domains DNR cannot take are left out, never widened silently", "[dnr]") {
  // An IPv4 literal is a valid domain for DNR; a numeric non-address is not.
  auto t = dnr::translate(*parse_filter_line("/x.js$domain=192.168.0.1").filter);
  REQUIRE(t.rule);
  CHECK((*t.rule)["condition"]["initiatorDomains"] == json::array({"192.168.0.1"}));
  CHECK(t.outcome == dnr::Outcome::exact);
}
