// Data-driven matching: matching_cases.json holds small lists and {url, source, type, expected}.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "filters/engine.hpp"

using namespace optguard::filters;

TEST_CASE("matching cases from matching_cases.json", "[matcher][data]") {
  std::ifstream in(std::string(OPTGUARD_FILTERS_TEST_DIR) + "/matching_cases.json");
  REQUIRE(in);
  const nlohmann::json data = nlohmann::json::parse(in);
  std::vector<ListSource> lists;
  for (const auto& l : data.at("lists")) {
    std::string text;
    for (const auto& line : l.at("text")) text += line.get<std::string>() + "\n";
    const auto cat = category_from_name(l.at("category").get<std::string>());
    REQUIRE(cat);
    lists.push_back({l.at("name").get<std::string>(), *cat, text});
  }
  const Engine engine = Engine::build(lists);
  const auto& cases = data.at("cases");
  REQUIRE(cases.size() >= 30);
  for (const auto& c : cases) {
    const std::string url = c.at("url");
    const std::string source = c.at("source");
    const std::string type = c.at("type");
    const Verdict v = engine.match(url, source, type);
    INFO(url << " from " << source << " as " << type << " -> " << decision_name(v.decision)
             << " by " << v.filter);
    CHECK(decision_name(v.decision) == c.at("expected").get<std::string>());
    if (c.contains("filter")) CHECK(v.filter == c.at("filter").get<std::string>());
  }
}
