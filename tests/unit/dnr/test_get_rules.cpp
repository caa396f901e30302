// get_rules paging: every rule exactly once, in order, each page under the budget, a stale
// cursor refused.
#include <catch2/catch.hpp>

#include "app/dnr_lists.hpp"
#include "common/errors.hpp"
#include "filters/parser.hpp"

using namespace optguard;
using nlohmann::json;

TEST_CASE("get_rules pages stay under the budget and return every rule once", "[dnr][get_rules]") {
  std::vector<filters::NetworkFilter> fs;
  for (int i = 0; i < 3000; ++i) {
    auto r = filters::parse_filter_line("||host" + std::to_string(i) +
                                        ".example/some/long/path/to/a/pixel.gif$image,third-party");
    REQUIRE(r.filter);
    fs.push_back(*r.filter);
  }
  const auto all = filters::dnr::compile_dynamic_rules({{"custom", fs}});
  REQUIRE(all.rules.size() == 3000);
  const std::size_t budget = 64 * 1024;
  std::optional<std::string> cursor;
  std::vector<int> seen;
  int pages = 0;
  do {
    const json page = app::get_rules_page(all, cursor, budget);
    ++pages;
    CHECK(page["rules"].dump().size() <= budget);
    CHECK(page["version"] == all.version);
    for (const auto& r : page["rules"]) seen.push_back(r["id"].get<int>());
    cursor = page["next_cursor"].is_null() ? std::nullopt
                                           : std::optional<std::string>(page["next_cursor"]);
  } while (cursor);
  CHECK(pages > 1);
  REQUIRE(seen.size() == 3000);
  for (int i = 0; i < 3000; ++i) CHECK(seen[i] == i + 1);
  for (const int id : seen) CHECK((id >= 1 && id <= 99999));

  // Default budget: one page under 1 MiB.
  const json first = app::get_rules_page(all, std::nullopt);
  CHECK(first.dump().size() < 1024 * 1024);

  // A cursor from other rules is refused.
  const json page1 = app::get_rules_page(all, std::nullopt, budget);
  const auto changed = filters::dnr::compile_dynamic_rules({{"custom", {fs[0]}}});
  try {
    app::get_rules_page(changed, std::optional<std::string>(page1["next_cursor"]), budget);
    FAIL("expected bad_params");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::bad_params);
  }
  CHECK_THROWS_AS(app::get_rules_page(all, std::string("garbage"), budget), Error);
}

TEST_CASE("get_rules with no custom filters is one empty page", "[dnr][get_rules]") {
  const auto none = filters::dnr::compile_dynamic_rules({{"custom", {}}});
  const json page = app::get_rules_page(none, std::nullopt);
  CHECK(page["rules"].empty());
  CHECK(page["next_cursor"].is_null());
  CHECK(page["version"].is_string());
}
