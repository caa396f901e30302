#include <catch2/catch.hpp>

#include "common/errors.hpp"
#include "install/manifest.hpp"

using namespace optguard::install;
using nlohmann::json;

TEST_CASE("Chromium-family manifest content", "[install][manifest]") {
  const auto m = make_manifest(Family::chromium, "/opt/optguard/bin/optguard");
  CHECK(m["name"] == "org.optguard.host");
  CHECK(m["path"] == "/opt/optguard/bin/optguard");
  CHECK(m["type"] == "stdio");
  CHECK(m["allowed_origins"] ==
        json::array({"chrome-extension://ckibindkepepohdlpkclkigoglaakafn/"}));
  CHECK_FALSE(m.contains("allowed_extensions"));
  CHECK(check_manifest(m, Family::chromium).empty());
}

TEST_CASE("Firefox manifest content", "[install][manifest]") {
  const auto m = make_manifest(Family::firefox, "/usr/local/bin/optguard");
  CHECK(m["allowed_extensions"] == json::array({"optguard@optguard.org"}));
  CHECK_FALSE(m.contains("allowed_origins"));
  CHECK(check_manifest(m, Family::firefox).empty());
  // A Chromium browser would not accept it, nor Firefox the Chromium one.
  CHECK_FALSE(check_manifest(m, Family::chromium).empty());
  CHECK_FALSE(check_manifest(make_manifest(Family::chromium, "/x"), Family::firefox).empty());
}

TEST_CASE("paths with quotes, backslashes, spaces and non-ASCII are escaped correctly",
          "[install][manifest]") {
  const std::string odd = "/home/Zoë \"Z\" O'Neil/back\\slash/{host_name}/optguard";
  const auto text = render(make_manifest(Family::chromium, odd));
  CHECK(text.find(R"(\"Z\")") != std::string::npos);
  CHECK(text.find(R"(back\\slash)") != std::string::npos);
  // Round trip: a browser's JSON parser reads back exactly the path.
  CHECK(json::parse(text)["path"] == odd);
  CHECK(text.back() == '\n');
}

TEST_CASE("the host path must be absolute", "[install][manifest]") {
  CHECK_THROWS_AS(make_manifest(Family::firefox, "bin/optguard"), optguard::Error);
}

TEST_CASE("check_manifest names each problem", "[install][manifest]") {
  auto m = make_manifest(Family::chromium, "/x/optguard");
  auto first = [](const json& j, Family f) {
    const auto p = check_manifest(j, f);
    return p.empty() ? std::string() : p.front().what;
  };
  m["allowed_origins"] = json::array({"chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"});
  CHECK(first(m, Family::chromium) == "wrong_id");
  m = make_manifest(Family::chromium, "/x/optguard");
  m["name"] = "com.other.host";
  CHECK(first(m, Family::chromium) == "wrong_name");
  m = make_manifest(Family::chromium, "/x/optguard");
  m["path"] = "optguard";
  CHECK(first(m, Family::chromium) == "relative_path");
  m.erase("path");
  CHECK(first(m, Family::chromium) == "no_path");
  m = make_manifest(Family::chromium, "/x/optguard");
  m["type"] = "socket";
  CHECK(first(m, Family::chromium) == "wrong_type");
  CHECK(first(json::array(), Family::chromium) == "not_an_object");
}
