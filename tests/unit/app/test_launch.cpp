#include <catch2/catch.hpp>
#include <vector>

#include "app/launch.hpp"

using optguard::app::browser_launch;

namespace {
std::optional<optguard::protocol::Caller> launch(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return browser_launch(argv);
}
}  // namespace

TEST_CASE("Chrome's launch: the caller origin", "[launch]") {
  const auto c = launch({"/opt/optguard", "chrome-extension://abcdefghijklmnopabcdefghijklmnop/"});
  REQUIRE(c);
  CHECK(c->browser == "chromium");
  CHECK(c->origin == "chrome-extension://abcdefghijklmnopabcdefghijklmnop/");
  // Windows Chrome adds --parent-window.
  CHECK(launch({"optguard.exe", "chrome-extension://abc/", "--parent-window=0"}));
}

TEST_CASE("Firefox's launch: manifest path and add-on id", "[launch]") {
  const auto c =
      launch({"/opt/optguard", "/home/u/.mozilla/native-messaging-hosts/org.optguard.host.json",
              "optguard@optguard.org"});
  REQUIRE(c);
  CHECK(c->browser == "firefox");
  CHECK(c->origin == "optguard@optguard.org");
  CHECK(c->manifest == "/home/u/.mozilla/native-messaging-hosts/org.optguard.host.json");
}

TEST_CASE("anything else is the CLI", "[launch]") {
  CHECK_FALSE(launch({"optguard"}));
  CHECK_FALSE(launch({"optguard", "version"}));
  CHECK_FALSE(launch({"optguard", "serve"}));
  CHECK_FALSE(launch({"optguard", "check", "https://x/"}));
  CHECK_FALSE(launch({"optguard", "ledger", "export"}));
  CHECK_FALSE(launch({"optguard", "/tmp/receipt.json", "--json"}));
}
