#include <catch2/catch.hpp>

#include "common/errors.hpp"
#include "fake_home.hpp"
#include "install/installer.hpp"
#include "install/manifest.hpp"

using namespace optguard::install;
using optguard::test::FakeHome;
using optguard::test::slurp;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
InstallOptions opts(const fs::path& host, std::vector<Browser> browsers,
                    Scope scope = Scope::user) {
  InstallOptions o;
  o.host_path = host;
  o.browsers = std::move(browsers);
  o.scope = scope;
  return o;
}
const Action& action_for(const InstallResult& r, Browser b) {
  for (const auto& a : r.actions) {
    if (a.browser == b) return a;
  }
  FAIL("no action for " << name_of(b));
  return r.actions.front();
}
}  // namespace

TEST_CASE("install writes each named browser's manifest where it looks (Linux)",
          "[install][installer]") {
  FakeHome fh;
  const auto host = fh.script("opt/optguard", "#!/bin/sh\n");
  InstallRecord rec;
  const auto r = install(opts(host, {Browser::chromium, Browser::chrome, Browser::edge,
                                     Browser::brave, Browser::vivaldi, Browser::firefox}),
                         fh.env, rec);
  REQUIRE(r.actions.size() == 6);
  const auto home = fh.env.home;
  const std::pair<Browser, fs::path> expected[] = {
      {Browser::chrome, home / ".config/google-chrome/NativeMessagingHosts/org.optguard.host.json"},
      {Browser::chromium, home / ".config/chromium/NativeMessagingHosts/org.optguard.host.json"},
      {Browser::edge, home / ".config/microsoft-edge/NativeMessagingHosts/org.optguard.host.json"},
      {Browser::brave,
       home / ".config/BraveSoftware/Brave-Browser/NativeMessagingHosts/org.optguard.host.json"},
      {Browser::vivaldi, home / ".config/vivaldi/NativeMessagingHosts/org.optguard.host.json"},
      {Browser::firefox, home / ".mozilla/native-messaging-hosts/org.optguard.host.json"},
  };
  for (const auto& [b, file] : expected) {
    INFO(name_of(b));
    CHECK(action_for(r, b).file == file);
    CHECK(action_for(r, b).change == Change::created);
    REQUIRE(fs::exists(file));
    const auto m = json::parse(slurp(file));
    CHECK(m["path"] == host.string());
    CHECK(check_manifest(m, family_of(b)).empty());
    // Readable by the browser, writable only by the owner.
    CHECK((fs::status(file).permissions() & (fs::perms::group_write | fs::perms::others_write)) ==
          fs::perms::none);
  }
  CHECK(rec.files.size() == 6);
  CHECK(rec.host == host);
}

TEST_CASE("install without --browser registers the browsers it finds", "[install][installer]") {
  FakeHome fh;
  const auto host = fh.script("opt/optguard", "#!/bin/sh\n");
  InstallRecord rec;
  CHECK_THROWS_AS(install(opts(host, {}), fh.env, rec), optguard::Error);
  fs::create_directories(fh.env.home / ".config/google-chrome");  // a Chrome profile
  fh.script("usr/bin/firefox-esr", "#!/bin/sh\n");                // a Firefox program
  fh.env.path_dirs = {fh.base() / "usr/bin"};
  const auto r = install(opts(host, {}), fh.env, rec);
  REQUIRE(r.browsers == std::vector<Browser>{Browser::chrome, Browser::firefox});
  CHECK(r.reasons[0].find("profile folder") != std::string::npos);
  CHECK(r.reasons[1].find("firefox-esr") != std::string::npos);
}

TEST_CASE("install is idempotent", "[install][installer]") {
  FakeHome fh;
  const auto host = fh.script("opt/optguard", "#!/bin/sh\n");
  InstallRecord rec;
  install(opts(host, {Browser::chromium, Browser::firefox}), fh.env, rec);
  const auto before = fh.snapshot();
  const auto saved = to_json(rec);
  const auto r = install(opts(host, {Browser::chromium, Browser::firefox}), fh.env, rec);
  for (const auto& a : r.actions) CHECK(a.change == Change::unchanged);
  CHECK(fh.snapshot() == before);
  CHECK(to_json(rec) == saved);  // no duplicate entries
}

TEST_CASE("install repairs a stale host path", "[install][installer]") {
  FakeHome fh;
  const auto old_host = fh.script("old/optguard", "#!/bin/sh\n");
  InstallRecord rec;
  install(opts(old_host, {Browser::chromium}), fh.env, rec);
  fs::remove(old_host);  // the binary moved (an update, a new prefix)
  const auto new_host = fh.script("new/optguard", "#!/bin/sh\n");
  const auto r = install(opts(new_host, {Browser::chromium}), fh.env, rec);
  REQUIRE(r.actions.size() == 1);
  CHECK(r.actions[0].change == Change::updated);
  CHECK(r.actions[0].previous_host == old_host.string());
  CHECK(json::parse(slurp(r.actions[0].file))["path"] == new_host.string());
  CHECK(rec.host == new_host);
  CHECK(rec.files.size() == 1);
}

TEST_CASE("a second install without --browser repairs every recorded browser",
          "[install][installer]") {
  FakeHome fh;
  const auto old_host = fh.script("old/optguard", "#!/bin/sh\n");
  InstallRecord rec;
  install(opts(old_host, {Browser::vivaldi}), fh.env, rec);
  // Vivaldi's profile folder exists now only because install made it: remove the evidence.
  const auto file = fh.env.home / ".config/vivaldi/NativeMessagingHosts/org.optguard.host.json";
  const auto new_host = fh.script("new/optguard", "#!/bin/sh\n");
  fs::remove_all(fh.env.home / ".config/vivaldi");
  fs::create_directories(file.parent_path());
  std::ofstream(file) << render(make_manifest(Family::chromium, old_host));
  fs::rename(fh.env.home / ".config/vivaldi", fh.env.home / ".config/vivaldi-moved");
  const auto r = install(opts(new_host, {}), fh.env, rec);
  REQUIRE(r.browsers == std::vector<Browser>{Browser::vivaldi});
  CHECK(r.reasons[0] == "installed before");
  CHECK(json::parse(slurp(file))["path"] == new_host.string());
}

TEST_CASE("dry-run writes nothing and shows the content", "[install][installer]") {
  FakeHome fh;
  const auto host = fh.script("opt/optguard", "#!/bin/sh\n");
  const auto before = fh.snapshot();
  InstallRecord rec;
  auto o = opts(host, {Browser::firefox});
  o.dry_run = true;
  const auto r = install(o, fh.env, rec);
  REQUIRE(r.actions.size() == 1);
  CHECK(json::parse(r.actions[0].content)["allowed_extensions"][0] == "optguard@optguard.org");
  CHECK(fh.snapshot() == before);
  CHECK(rec.empty());
}

TEST_CASE("uninstall removes exactly what install wrote and leaves nothing behind",
          "[install][installer]") {
  FakeHome fh;
  const auto host = fh.script("opt/optguard", "#!/bin/sh\n");
  fs::create_directories(fh.env.home / ".config/chromium/Default");  // a real profile stays
  const auto before = fh.snapshot();
  InstallRecord rec;
  install(opts(host, {Browser::chromium, Browser::firefox, Browser::brave}), fh.env, rec);
  CHECK(fh.snapshot() != before);
  const auto r = uninstall(rec, false);
  CHECK(r.removed.size() == 3);
  CHECK(r.kept.empty());
  CHECK(fh.snapshot() == before);
  CHECK(fs::exists(fh.env.home / ".config/chromium/Default"));
}

TEST_CASE("uninstall leaves a file someone replaced, and dry-run touches nothing",
          "[install][installer]") {
  FakeHome fh;
  const auto host = fh.script("opt/optguard", "#!/bin/sh\n");
  InstallRecord rec;
  install(opts(host, {Browser::chromium, Browser::firefox}), fh.env, rec);
  const auto ff = fh.env.home / ".mozilla/native-messaging-hosts/org.optguard.host.json";
  std::ofstream(ff) << R"({"name": "com.someone.else"})";
  const auto snap = fh.snapshot();
  const auto dry = uninstall(rec, true);
  CHECK(dry.removed.size() == 1);
  CHECK(fh.snapshot() == snap);
  const auto r = uninstall(rec, false);
  CHECK(r.removed.size() == 1);
  REQUIRE(r.kept.size() == 1);
  CHECK(r.kept[0].find("org.optguard.host.json") != std::string::npos);
  CHECK(fs::exists(ff));
}

TEST_CASE("system scope writes the system-wide folders (under a fake root)",
          "[install][installer]") {
  FakeHome fh;
  const auto host = fh.script("opt/optguard", "#!/bin/sh\n");
  InstallRecord rec;
  const auto r =
      install(opts(host, {Browser::chrome, Browser::firefox}, Scope::system), fh.env, rec);
  REQUIRE(r.actions.size() == 3);
  CHECK(fs::exists(fh.env.root / "etc/opt/chrome/native-messaging-hosts/org.optguard.host.json"));
  CHECK(fs::exists(fh.env.root / "usr/lib/mozilla/native-messaging-hosts/org.optguard.host.json"));
  CHECK(
      fs::exists(fh.env.root / "usr/lib64/mozilla/native-messaging-hosts/org.optguard.host.json"));
  CHECK_FALSE(fs::exists(fh.env.home / ".config"));
  uninstall(rec, false);
  CHECK(fs::is_empty(fh.env.root));
}

TEST_CASE("macOS layout in a fake home", "[install][installer]") {
  FakeHome fh(Os::macos);
  const auto host = fh.script("Applications/optguard", "#!/bin/sh\n");
  InstallRecord rec;
  const auto r =
      install(opts(host, {Browser::chrome, Browser::edge, Browser::firefox}), fh.env, rec);
  const auto as = fh.env.home / "Library/Application Support";
  CHECK(fs::exists(as / "Google/Chrome/NativeMessagingHosts/org.optguard.host.json"));
  CHECK(fs::exists(as / "Microsoft Edge/NativeMessagingHosts/org.optguard.host.json"));
  CHECK(fs::exists(as / "Mozilla/NativeMessagingHosts/org.optguard.host.json"));
  CHECK(json::parse(slurp(
            as / "Mozilla/NativeMessagingHosts/org.optguard.host.json"))["allowed_extensions"][0] ==
        "optguard@optguard.org");
  auto sys = install(opts(host, {Browser::chrome}, Scope::system), fh.env, rec);
  CHECK(sys.actions[0].file ==
        fh.env.root / "Library/Google/Chrome/NativeMessagingHosts/org.optguard.host.json");
}

TEST_CASE("a Chromium user-data-dir gets DIR/NativeMessagingHosts and is repaired later",
          "[install][installer]") {
  FakeHome fh;
  const auto host = fh.script("opt/optguard", "#!/bin/sh\n");
  const auto profile = fh.base() / "profile";
  InstallRecord rec;
  auto o = opts(host, {});
  o.chromium_user_data_dirs = {profile};
  const auto r = install(o, fh.env, rec);
  REQUIRE(r.actions.size() == 1);
  CHECK(r.actions[0].custom);
  const auto file = profile / "NativeMessagingHosts/org.optguard.host.json";
  CHECK(json::parse(slurp(file))["allowed_origins"][0] ==
        "chrome-extension://ckibindkepepohdlpkclkigoglaakafn/");
  const auto new_host = fh.script("new/optguard", "#!/bin/sh\n");
  const auto again = install(opts(new_host, {Browser::firefox}), fh.env, rec);
  CHECK(json::parse(slurp(file))["path"] == new_host.string());
  CHECK(again.actions.size() == 2);
  uninstall(rec, false);
  CHECK_FALSE(fs::exists(profile));
}

TEST_CASE("install refuses a host that is not an executable file", "[install][installer]") {
  FakeHome fh;
  const auto text = fh.script("opt/optguard", "not a program", false);
  InstallRecord rec;
  CHECK_THROWS_AS(install(opts(text, {Browser::chromium}), fh.env, rec), optguard::Error);
  CHECK_THROWS_AS(install(opts("relative/optguard", {Browser::chromium}), fh.env, rec),
                  optguard::Error);
  CHECK(rec.empty());
}

TEST_CASE("the install record survives a save and load", "[install][installer]") {
  FakeHome fh;
  const auto host = fh.script("opt/optguard", "#!/bin/sh\n");
  InstallRecord rec;
  auto o = opts(host, {Browser::edge, Browser::firefox});
  o.chromium_user_data_dirs = {fh.base() / "p"};
  install(o, fh.env, rec);
  const auto file = fh.base() / "state/install.json";
  save_record(file, rec);
  CHECK((fs::status(file).permissions() & fs::perms(077)) == fs::perms::none);
  const auto back = load_record(file);
  CHECK(to_json(back) == to_json(rec));
  CHECK(load_record(fh.base() / "missing.json").empty());
  std::ofstream(fh.base() / "bad.json") << "{";
  CHECK_THROWS_AS(load_record(fh.base() / "bad.json"), optguard::Error);
}

TEST_CASE("a deleted user-data-dir (a demo's temporary profile) is forgotten by the next install",
          "[install][installer]") {
  FakeHome fh;
  const auto host = fh.script("opt/optguard", "#!/bin/sh\n");
  const auto profile = fh.base() / "tmp-profile";
  InstallRecord rec;
  auto o = opts(host, {Browser::firefox});
  o.chromium_user_data_dirs = {profile};
  install(o, fh.env, rec);
  REQUIRE(rec.files.size() == 2);
  fs::remove_all(profile);
  const auto r = install(opts(host, {Browser::firefox}), fh.env, rec);
  CHECK(r.actions.size() == 1);
  REQUIRE(rec.files.size() == 1);
  CHECK(rec.files[0].browser == Browser::firefox);
  for (const auto& d : rec.dirs) CHECK(fs::exists(d));
}
