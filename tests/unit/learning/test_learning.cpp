// The Learner: threshold of distinct first-party sites, persistence across reopen, undo,
// bad input, a damaged database.
#include <catch2/catch.hpp>
#include <fstream>

#include "common/errors.hpp"
#include "common/temp_dir.hpp"
#include "filters/custom/atomic_file.hpp"
#include "learning/learning.hpp"

using namespace optguard;
using learning::Learner;
using learning::Observation;

namespace {
std::string list_text(const Learner& l) {
  return filters::read_file_if_exists(l.list_path()).value_or("");
}
Observation seen(const std::string& domain, const std::string& site) {
  return {domain, site, "https://" + domain + "/p.gif?uid=a1b2c3d4e5"};
}
}  // namespace

TEST_CASE("a domain is learned on its third distinct first-party site", "[learning]") {
  TempDir home;
  Learner l(home.path());
  auto r = l.observe({seen("px.example", "a.test"), seen("px.example", "www.a.test")}, 1000);
  CHECK(r.accepted == 2);
  CHECK(r.learned.empty());  // www.a.test is the same site as a.test
  r = l.observe({seen("cdn.px.example", "b.test")}, 2000);
  CHECK(r.learned.empty());
  CHECK(l.learned().empty());
  CHECK(list_text(l).find("px.example") == std::string::npos);
  r = l.observe({seen("px.example", "shop.c.co.uk")}, 3000);
  REQUIRE(r.learned.size() == 1);
  CHECK(r.learned[0].domain == "px.example");
  CHECK(r.learned[0].sites == std::vector<std::string>{"a.test", "b.test", "c.co.uk"});
  CHECK(r.learned[0].learned_at_ms == 3000);
  CHECK(list_text(l).find("\n||px.example^$third-party\n") != std::string::npos);
  // Learned once: later sightings are not counted and learn nothing again.
  r = l.observe({seen("px.example", "d.test")}, 4000);
  CHECK(r.learned.empty());
  CHECK(r.ignored == 1);
  CHECK(l.learned().size() == 1);
}

TEST_CASE("the first party's own domain and IP addresses are never learned", "[learning]") {
  TempDir home;
  Learner l(home.path(), 1);
  auto r =
      l.observe({seen("img.news.example", "www.news.example"), seen("10.0.0.1", "a.test")}, 1000);
  CHECK(r.accepted == 0);
  CHECK(r.ignored == 2);
  CHECK(l.learned().empty());
}

TEST_CASE("learned trackers and sightings survive a reopen", "[learning]") {
  TempDir home;
  {
    Learner l(home.path());
    l.observe({seen("px.example", "a.test"), seen("px.example", "b.test"),
               seen("other.example", "a.test")},
              1000);
    l.observe({seen("px.example", "c.test")}, 2000);
  }
  Learner again(home.path());
  const auto all = again.learned();
  REQUIRE(all.size() == 1);
  CHECK(all[0].domain == "px.example");
  CHECK(all[0].learned_at_ms == 2000);
  // other.example keeps its one site: two more learn it.
  CHECK(again.observe({seen("other.example", "b.test")}, 3000).learned.empty());
  CHECK(again.observe({seen("other.example", "c.test")}, 4000).learned.size() == 1);
  CHECK(again.learned().size() == 2);
}

TEST_CASE("undo removes the rule and the domain is never learned again", "[learning]") {
  TempDir home;
  Learner l(home.path());
  l.observe(
      {seen("px.example", "a.test"), seen("px.example", "b.test"), seen("px.example", "c.test")},
      1000);
  REQUIRE(l.learned().size() == 1);
  const auto was = l.unlearn("PX.example", 2000);
  CHECK(was.domain == "px.example");
  CHECK(was.learned_at_ms == 1000);
  CHECK(was.sites.size() == 3);
  CHECK(l.learned().empty());
  CHECK(list_text(l).find("px.example") == std::string::npos);
  CHECK(l.unlearned() == std::vector<std::string>{"px.example"});
  auto r = l.observe(
      {seen("px.example", "d.test"), seen("px.example", "e.test"), seen("px.example", "f.test")},
      3000);
  CHECK(r.learned.empty());
  CHECK(r.ignored == 3);
  // Also after a reopen.
  Learner again(home.path());
  CHECK(again.observe({seen("px.example", "g.test")}, 4000).ignored == 1);
  // Undoing a domain never learned: nothing removed, but it is not learned later either.
  CHECK(again.unlearn("never.example", 5000).learned_at_ms == 0);
  CHECK(again.observe({seen("never.example", "a.test")}, 6000).ignored == 1);
}

TEST_CASE("bad observations are refused and record nothing", "[learning]") {
  TempDir home;
  Learner l(home.path(), 1);
  auto code_of = [&](const std::vector<Observation>& o) {
    try {
      l.observe(o, 1000);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::internal;
  };
  CHECK(code_of({{"", "a.test", ""}}) == ErrorCode::bad_params);
  CHECK(code_of({{"px.example", "", ""}}) == ErrorCode::bad_params);
  CHECK(code_of({{"px example", "a.test", ""}}) == ErrorCode::bad_params);
  CHECK(code_of({{"px.ex\"ample", "a.test", ""}}) == ErrorCode::bad_params);
  // A good one before a bad one is not recorded either (threshold 1 would learn it).
  CHECK(code_of({seen("good.example", "a.test"), {"bad$domain", "a.test", ""}}) ==
        ErrorCode::bad_params);
  CHECK(l.learned().empty());
  std::vector<Observation> many(learning::kMaxObservations + 1, seen("px.example", "a.test"));
  CHECK(code_of(many) == ErrorCode::bad_params);
  CHECK_THROWS_AS(l.unlearn("", 1000), Error);
}

TEST_CASE("a damaged learning database is moved aside and a new one started", "[learning]") {
  TempDir home;
  {
    std::ofstream f(home.path() / learning::kDbFile, std::ios::binary);
    f << std::string(8192, 'x');
  }
  Learner l(home.path());
  CHECK(!l.moved_aside().empty());
  CHECK(std::filesystem::exists(l.moved_aside()));
  CHECK(l.learned().empty());
  l.observe(
      {seen("px.example", "a.test"), seen("px.example", "b.test"), seen("px.example", "c.test")},
      1000);
  CHECK(l.learned().size() == 1);
}

TEST_CASE("filter_for is a third-party hostname anchor", "[learning]") {
  CHECK(Learner::filter_for("px.example") == "||px.example^$third-party");
}
