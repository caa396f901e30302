// Two host processes on one home (two browsers): what one changes through its messages, the
// other's filter engine uses on its next request, without a restart.
#include <stdlib.h>

#include <catch2/catch.hpp>

#include "app/messages.hpp"
#include "common/temp_dir.hpp"

using namespace optguard;
using nlohmann::json;

namespace {
struct HostProcess {
  app::Services services;
  protocol::Router router;
  protocol::Caller caller{"cli", "", ""};
  explicit HostProcess(const std::filesystem::path& home) : services{HomeLocation{home, "test"}} {
    app::register_engine_messages(router, services);
    app::register_dnr_messages(router, services);
  }
  json ok(json req) {
    protocol::RequestContext ctx{caller, nullptr};
    req["id"] = 1;
    const json r = router.dispatch(req, ctx);
    INFO(r.dump());
    REQUIRE(r["ok"] == true);
    return r["result"];
  }
  json verdict(const std::string& url) {
    const json r =
        ok({{"type", "classify"},
            {"requests",
             json::array({{{"url", url}, {"source", "https://site.test/"}, {"type", "image"}}})}});
    return r["verdicts"][0];
  }
};

struct TwoHosts {
  TempDir dir;
  TempDir no_lists{"optguard-nolists-"};
  std::filesystem::path home = dir.path() / "home";
  TwoHosts() {
    // Small lists keep each rebuild quick: the packaged ones are left out.
    ::setenv("OPTGUARD_SYSTEM_LISTS", no_lists.path().c_str(), 1);
  }
};
}  // namespace

TEST_CASE("a custom filter added by one host process blocks in the other", "[services]") {
  TwoHosts t;
  HostProcess a(t.home);
  HostProcess b(t.home);
  // Both engines are loaded before the filter exists.
  CHECK(a.verdict("https://px.example/p.gif")["verdict"] == "none");
  CHECK(b.verdict("https://px.example/p.gif")["verdict"] == "none");
  CHECK(a.ok({{"type", "filters_add"}, {"text", "||px.example^"}})["added"] == 1);
  const json v = b.verdict("https://px.example/p.gif");
  CHECK(v["verdict"] == "block");
  CHECK(v["category"] == "custom");
  // And removed the other way round.
  CHECK(b.ok({{"type", "filters_remove"},
              {"filters", json::array({"||px.example^"})}})["removed"] == 1);
  CHECK(a.verdict("https://px.example/p.gif")["verdict"] == "none");
}

TEST_CASE("a list updated by one host process is used by the other", "[services]") {
  TwoHosts t;
  HostProcess a(t.home);
  HostProcess b(t.home);
  CHECK(b.verdict("https://stats.example/hit.gif")["verdict"] == "none");
  a.ok({{"type", "lists_update"},
        {"list", "easyprivacy"},
        {"text", "[Adblock Plus 2.0]\n! Title: EasyPrivacy\n||stats.example^$third-party\n"}});
  const json v = b.verdict("https://stats.example/hit.gif");
  CHECK(v["verdict"] == "block");
  CHECK(v["category"] == "tracking");
  CHECK(v["list"] == "easyprivacy");
}
