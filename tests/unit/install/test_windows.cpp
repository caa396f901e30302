#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "install/windows.hpp"

using namespace optguard::install;
using nlohmann::json;

TEST_CASE("Windows: registry values per browser, per user (HKCU)", "[install][windows]") {
  const std::vector<Browser> all(std::begin(kAllBrowsers), std::end(kAllBrowsers));
  const auto plan = windows_plan(all, Scope::user, "C:\\Users\\Zoë\\AppData\\Local\\optguard",
                                 "C:\\Program Files\\optguard\\optguard.exe");
  // Brave and Vivaldi read Chrome's key: one value, not three.
  REQUIRE(plan.values.size() == 4);
  const auto chromium_manifest =
      "C:\\Users\\Zoë\\AppData\\Local\\optguard\\chromium\\org.optguard.host.json";
  const auto firefox_manifest =
      "C:\\Users\\Zoë\\AppData\\Local\\optguard\\firefox\\org.optguard.host.json";
  CHECK(plan.values[0].hive == "HKCU");
  CHECK(plan.values[0].key == "Software\\Google\\Chrome\\NativeMessagingHosts\\org.optguard.host");
  CHECK(plan.values[0].data == chromium_manifest);
  CHECK(plan.values[1].key == "Software\\Chromium\\NativeMessagingHosts\\org.optguard.host");
  CHECK(plan.values[2].key == "Software\\Microsoft\\Edge\\NativeMessagingHosts\\org.optguard.host");
  CHECK(plan.values[3].key == "Software\\Mozilla\\NativeMessagingHosts\\org.optguard.host");
  CHECK(plan.values[3].data == firefox_manifest);
  REQUIRE(plan.manifests.size() == 2);
  CHECK(plan.manifests[0].path == chromium_manifest);
  CHECK(plan.manifests[1].path == firefox_manifest);
}

TEST_CASE("Windows: --system uses HKLM", "[install][windows]") {
  const auto plan =
      windows_plan({Browser::edge, Browser::firefox}, Scope::system, "C:\\ProgramData\\optguard",
                   "C:\\Program Files\\optguard\\optguard.exe");
  REQUIRE(plan.values.size() == 2);
  for (const auto& v : plan.values) CHECK(v.hive == "HKLM");
}

TEST_CASE("Windows: manifests escape backslashes in the host path", "[install][windows]") {
  const auto plan = windows_plan({Browser::chrome}, Scope::user, "C:\\m",
                                 "C:\\Program Files\\optguard\\optguard.exe");
  const auto& text = plan.manifests.at(0).content;
  CHECK(text.find(R"("path": "C:\\Program Files\\optguard\\optguard.exe")") != std::string::npos);
  CHECK(json::parse(text)["path"] == "C:\\Program Files\\optguard\\optguard.exe");
  CHECK(json::parse(text)["allowed_origins"][0] ==
        "chrome-extension://ckibindkepepohdlpkclkigoglaakafn/");
}

TEST_CASE("the PowerShell script writes every key and both manifests", "[install][windows]") {
  const auto ps = powershell_script();
  for (const auto* key : {"Software\\Google\\Chrome\\NativeMessagingHosts",
                          "Software\\Chromium\\NativeMessagingHosts",
                          "Software\\Microsoft\\Edge\\NativeMessagingHosts",
                          "Software\\Mozilla\\NativeMessagingHosts"}) {
    CHECK(ps.find(key) != std::string::npos);
  }
  CHECK(ps.find("'chrome-extension://ckibindkepepohdlpkclkigoglaakafn/'") != std::string::npos);
  CHECK(ps.find("'optguard@optguard.org'") != std::string::npos);
  CHECK(ps.find("HKCU:") != std::string::npos);
  CHECK(ps.find("HKLM:") != std::string::npos);
  CHECK(ps.find("$Uninstall") != std::string::npos);
  CHECK(ps.find("ConvertTo-Json") != std::string::npos);
}
