// observe_pixels, learned_list, learned_remove through the router, with get_rules, classify
// and the ledger seeing each change.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "app/messages.hpp"
#include "common/errors.hpp"
#include "common/temp_dir.hpp"
#include "learning/learning.hpp"
#include "ledger/keyfile.hpp"
#include "ledger/ledger.hpp"

using namespace optguard;
using nlohmann::json;

namespace {
struct Host {
  TempDir dir;
  TempDir no_lists{"optguard-nolists-"};
  std::filesystem::path home;
  app::Services services;
  protocol::Router router;
  protocol::Caller caller{"cli", "", ""};
  // A home of its own, or `shared`'s (a second host process: two browsers).
  explicit Host(const Host* shared = nullptr)
      : home(shared ? shared->home : dir.path() / "home"), services{HomeLocation{home, "test"}} {
    // The engine is rebuilt after each change: without the system lists it is quick.
    ::setenv("OPTGUARD_SYSTEM_LISTS", no_lists.path().c_str(), 1);
    app::register_learning_messages(router, services);
    app::register_dnr_messages(router, services);
    app::register_engine_messages(router, services);
    app::register_ledger_messages(router, services);
  }
  json call(json req) {
    protocol::RequestContext ctx{caller, nullptr};
    req["id"] = 1;
    return router.dispatch(req, ctx);
  }
  json ok(const json& req) {
    const json r = call(req);
    INFO(r.dump());
    REQUIRE(r["ok"] == true);
    return r["result"];
  }
};

json obs(const std::string& domain, const std::string& site) {
  return {{"domain", domain}, {"site", site}, {"url", "https://" + domain + "/p.gif?uid=a1b2c3d4"}};
}

json verdict(Host& h, const std::string& url, const std::string& source) {
  const json r =
      h.ok({{"type", "classify"},
            {"requests", json::array({{{"url", url}, {"source", source}, {"type", "image"}}})}});
  return r["verdicts"][0];
}
}  // namespace

TEST_CASE("observe_pixels learns on the third site; get_rules and classify block it",
          "[learning][messages]") {
  Host h;
  json r = h.ok(
      {{"type", "observe_pixels"},
       {"observations", json::array({obs("px.example", "a.test"), obs("px.example", "b.test")})}});
  CHECK(r["accepted"] == 2);
  CHECK(r["learned"].empty());
  CHECK(h.ok({{"type", "get_rules"}})["rules"].empty());
  CHECK(verdict(h, "https://px.example/p.gif", "https://d.test/")["verdict"] == "none");

  r = h.ok(
      {{"type", "observe_pixels"}, {"observations", json::array({obs("px.example", "c.test")})}});
  REQUIRE(r["learned"].size() == 1);
  CHECK(r["learned"][0]["domain"] == "px.example");
  CHECK(r["learned"][0]["sites"] == json::array({"a.test", "b.test", "c.test"}));
  CHECK(r["learned"][0]["filter"] == "||px.example^$third-party");

  const json rules = h.ok({{"type", "get_rules"}})["rules"];
  REQUIRE(rules.size() == 1);
  CHECK(rules[0]["id"] == 90000);
  CHECK(rules[0]["action"]["type"] == "block");
  CHECK(rules[0]["condition"]["requestDomains"] == json::array({"px.example"}));
  const json v = verdict(h, "https://px.example/p.gif", "https://d.test/");
  CHECK(v["verdict"] == "block");
  CHECK(v["category"] == "learned");

  const json list = h.ok({{"type", "learned_list"}})["trackers"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["domain"] == "px.example");
  CHECK(list[0]["learned_at"].get<std::string>().size() == 24);

  const json records =
      h.ok({{"type", "ledger_list"}, {"record_type", "learned_tracker"}})["records"];
  REQUIRE(records.size() == 1);
  CHECK(records[0]["action"] == "learned");
  CHECK(records[0]["domain"] == "px.example");
  CHECK(h.ok({{"type", "ledger_verify"}})["ok"] == true);
}

TEST_CASE("learned_remove undoes a tracker for good and records it", "[learning][messages]") {
  Host h;
  h.ok({{"type", "observe_pixels"},
        {"observations", json::array({obs("px.example", "a.test"), obs("px.example", "b.test"),
                                      obs("px.example", "c.test")})}});
  REQUIRE(h.ok({{"type", "get_rules"}})["rules"].size() == 1);
  json r = h.ok({{"type", "learned_remove"}, {"domain", "px.example"}});
  CHECK(r["removed"] == true);
  CHECK(h.ok({{"type", "get_rules"}})["rules"].empty());
  CHECK(h.ok({{"type", "learned_list"}})["trackers"].empty());
  CHECK(verdict(h, "https://px.example/p.gif", "https://d.test/")["verdict"] == "none");
  r = h.ok({{"type", "observe_pixels"},
            {"observations", json::array({obs("px.example", "d.test"), obs("px.example", "e.test"),
                                          obs("px.example", "f.test")})}});
  CHECK(r["learned"].empty());
  CHECK(r["ignored"] == 3);
  r = h.ok({{"type", "learned_remove"}, {"domain", "px.example"}});
  CHECK(r["removed"] == false);
  const json records =
      h.ok({{"type", "ledger_list"}, {"record_type", "learned_tracker"}})["records"];
  REQUIRE(records.size() == 3);
  CHECK(records[1]["action"] == "removed");
  CHECK(records[1]["was_learned"] == true);
}

TEST_CASE("learned rules come after the custom filters' ids", "[learning][messages]") {
  Host h;
  CHECK(h.ok({{"type", "filters_add"}, {"text", "||custom.example^"}})["added"] == 1);
  h.ok({{"type", "observe_pixels"},
        {"observations", json::array({obs("px.example", "a.test"), obs("px.example", "b.test"),
                                      obs("px.example", "c.test")})}});
  const json rules = h.ok({{"type", "get_rules"}})["rules"];
  REQUIRE(rules.size() == 2);
  CHECK(rules[0]["id"] == 1);
  CHECK(rules[1]["id"] == 90000);
}

TEST_CASE("a URL a list already blocks is not counted", "[learning][messages]") {
  Host h;
  CHECK(h.ok({{"type", "filters_add"}, {"text", "||listed.example^"}})["added"] == 1);
  json r = h.ok({{"type", "observe_pixels"},
                 {"observations",
                  json::array({obs("listed.example", "a.test"), obs("listed.example", "b.test"),
                               obs("listed.example", "c.test")})}});
  CHECK(r["accepted"] == 0);
  CHECK(r["ignored"] == 3);
  CHECK(r["learned"].empty());
}

TEST_CASE("the learning messages answer bad params clearly", "[learning][messages]") {
  Host h;
  auto code = [&](const json& req) {
    const json r = h.call(req);
    INFO(r.dump());
    REQUIRE(r["ok"] == false);
    return r["error"]["code"].get<std::string>();
  };
  CHECK(code({{"type", "observe_pixels"}}) == "bad_params");
  CHECK(code({{"type", "observe_pixels"}, {"observations", "x"}}) == "bad_params");
  CHECK(code({{"type", "observe_pixels"}, {"observations", json::array({1})}}) == "bad_params");
  CHECK(code({{"type", "observe_pixels"},
              {"observations", json::array({{{"domain", "px.example"}}})}}) == "bad_params");
  CHECK(code({{"type", "observe_pixels"},
              {"observations", json::array({{{"domain", 5}, {"site", "a.test"}}})}}) ==
        "bad_params");
  CHECK(code({{"type", "learned_remove"}}) == "bad_params");
  CHECK(code({{"type", "learned_remove"}, {"domain", "not a host"}}) == "bad_params");
}

TEST_CASE("observe_pixels keeps learning.db encrypted under the ledger's key",
          "[learning][messages][privacy]") {
  Host h;
  h.ok({{"type", "observe_pixels"},
        {"observations", json::array({obs("px.example", "hiddenvisit.test")})}});
  const auto home = h.home;
  std::ifstream f(home / learning::kDbFile, std::ios::binary);
  const std::string db(std::istreambuf_iterator<char>(f), {});
  REQUIRE(!db.empty());
  CHECK(db.find("hiddenvisit") == std::string::npos);
  // Keyed from ledger.key: a Learner given that key reads it, another key is refused.
  const auto master = ledger::load_key(home / ledger::kKeyFile, ledger::default_passphrase);
  {
    learning::Learner same(home, master, 2);
    CHECK(same.observe({{"px.example", "second.test", ""}}, 1).learned.size() == 1);
  }
  const auto other = ledger::random_master_key();
  CHECK_THROWS_AS(learning::Learner(home, other), Error);
}

TEST_CASE("a second host process on the same home blocks what the first one learned",
          "[learning][messages]") {
  Host a;
  Host b(&a);
  // Both engines loaded before anything is learned.
  CHECK(verdict(a, "https://px.example/p.gif", "https://d.test/")["verdict"] == "none");
  CHECK(verdict(b, "https://px.example/p.gif", "https://d.test/")["verdict"] == "none");
  a.ok({{"type", "observe_pixels"},
        {"observations", json::array({obs("px.example", "a.test"), obs("px.example", "b.test"),
                                      obs("px.example", "c.test")})}});
  // b notices learned.txt changed: classify and get_rules include the tracker, no restart.
  const json v = verdict(b, "https://px.example/p.gif", "https://d.test/");
  CHECK(v["verdict"] == "block");
  CHECK(v["category"] == "learned");
  const json rules = b.ok({{"type", "get_rules"}})["rules"];
  REQUIRE(rules.size() == 1);
  CHECK(rules[0]["id"] == 90000);
  CHECK(b.ok({{"type", "learned_list"}})["trackers"].size() == 1);
  // And the undo the other way round.
  b.ok({{"type", "learned_remove"}, {"domain", "px.example"}});
  CHECK(verdict(a, "https://px.example/p.gif", "https://d.test/")["verdict"] == "none");
  CHECK(a.ok({{"type", "get_rules"}})["rules"].empty());
}

TEST_CASE("after optguard key rotate the learned trackers and undos carry over",
          "[learning][messages][privacy]") {
  Host a;
  a.ok({{"type", "observe_pixels"},
        {"observations", json::array({obs("px.example", "a.test"), obs("px.example", "b.test"),
                                      obs("px.example", "c.test")})}});
  a.ok({{"type", "learned_remove"}, {"domain", "undone.example"}});
  a.services.ledger().rotate_key();
  Host b(&a);  // the next host process, under the new key
  const json list = b.ok({{"type", "learned_list"}})["trackers"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["domain"] == "px.example");
  json r = b.ok({{"type", "observe_pixels"},
                 {"observations", json::array({obs("undone.example", "a.test")})}});
  CHECK(r["ignored"] == 1);
  bool set_aside = false;
  for (const auto& e : std::filesystem::directory_iterator(a.home))
    set_aside |= e.path().filename().string().starts_with("learning.db.key-");
  CHECK(set_aside);
}
