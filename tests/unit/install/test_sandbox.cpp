#include <catch2/catch.hpp>

#include "fake_home.hpp"
#include "install/sandbox.hpp"

using namespace optguard::install;
using optguard::test::FakeHome;
namespace fs = std::filesystem;

TEST_CASE("no sandboxed browsers in a plain home", "[install][sandbox]") {
  FakeHome fh;
  CHECK(detect_sandboxed(fh.env, "/usr/bin/optguard").empty());
}

TEST_CASE("Flatpak Chromium: detected, with the flatpak-spawn workaround", "[install][sandbox]") {
  FakeHome fh;
  fs::create_directories(fh.env.home / ".var/app/org.chromium.Chromium");
  const auto notes = detect_sandboxed(fh.env, "/usr/local/bin/optguard");
  REQUIRE(notes.size() == 1);
  const auto& n = notes[0];
  CHECK(n.browser == Browser::chromium);
  CHECK(n.packaging == Packaging::flatpak);
  CHECK_FALSE(n.works_with_plain_install);
  REQUIRE(n.steps.size() == 3);
  CHECK(n.steps[0] ==
        "flatpak override --user --talk-name=org.freedesktop.Flatpak org.chromium.Chromium");
  CHECK(n.steps[1].find("flatpak-spawn --host '/usr/local/bin/optguard'") != std::string::npos);
  CHECK(n.steps[2].find("--chromium-user-data-dir '" +
                        (fh.env.home / ".var/app/org.chromium.Chromium/config/chromium").string() +
                        "'") != std::string::npos);
  CHECK(to_text(n).find("Workaround:") != std::string::npos);
}

TEST_CASE("Snap Firefox works through the portal; Snap Chromium does not", "[install][sandbox]") {
  FakeHome fh;
  fs::create_directories(fh.env.home / "snap/firefox");
  fs::create_directories(fh.env.root / "snap/bin");
  fh.script("root/snap/bin/chromium", "#!/bin/sh\n");
  const auto notes = detect_sandboxed(fh.env, "/usr/bin/optguard");
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].browser == Browser::chromium);
  CHECK_FALSE(notes[0].works_with_plain_install);
  CHECK(notes[1].browser == Browser::firefox);
  CHECK(notes[1].works_with_plain_install);
  CHECK(notes[1].summary.find("portal") != std::string::npos);
  CHECK(notes[1].steps[0] == "optguard install --browser firefox");
}

TEST_CASE("system-wide Flatpak installs are detected too", "[install][sandbox]") {
  FakeHome fh;
  fs::create_directories(fh.env.root / "var/lib/flatpak/app/com.brave.Browser");
  fs::create_directories(fh.env.root / "var/lib/flatpak/app/org.mozilla.firefox");
  const auto notes = detect_sandboxed(fh.env, "/usr/bin/optguard");
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].app_id == "com.brave.Browser");
  CHECK(notes[1].app_id == "org.mozilla.firefox");
  CHECK(notes[1].steps.size() == 6);  // portal, or the flatpak-spawn wrapper
}
