#include <catch2/catch.hpp>

#include "fake_home.hpp"
#include "install/diagnose.hpp"
#include "install/installer.hpp"
#include "install/manifest.hpp"

using namespace optguard::install;
using optguard::test::FakeHome;
namespace fs = std::filesystem;

namespace {
// A manifest for `browser` in the fake home's per-user folder, naming `host`.
fs::path put_manifest(const FakeHome& fh, Browser browser, const fs::path& host) {
  const auto dir = manifest_dirs(browser, Scope::user, fh.env).front().dir;
  fs::create_directories(dir);
  const auto file = dir / manifest_file_name();
  std::ofstream(file) << render(make_manifest(family_of(browser), host));
  fs::permissions(file, fs::perms(0644));
  return file;
}
// A host that speaks the framing and answers hello like optguard (python3 is on every
// Debian machine; the real binary is exercised by tests/install/browsers.e2e.mjs).
fs::path fake_host(
    const FakeHome& fh,
    const std::string& reply = R"({"id":1,"ok":true,"result":{"protocol":1,"host":"fake"}})") {
  return fh.script("bin/fake-host",
                   "#!/usr/bin/env python3\n"
                   "import struct, sys\n"
                   "n = struct.unpack('=I', sys.stdin.buffer.read(4))[0]\n"
                   "sys.stdin.buffer.read(n)\n"
                   "out = b'" +
                       reply +
                       "'\n"
                       "sys.stdout.buffer.write(struct.pack('=I', len(out)) + out)\n"
                       "sys.stdout.buffer.flush()\n"
                       "open(sys.argv[0] + '.argv', 'w').write('\\n'.join(sys.argv[1:]))\n");
}
DiagnoseOptions quick() {
  DiagnoseOptions o;
  o.timeout = std::chrono::milliseconds(3000);
  return o;
}
}  // namespace

TEST_CASE("doctor: a good manifest whose host answers hello (Chromium and Firefox argv)",
          "[install][doctor]") {
  FakeHome fh;
  const auto host = fake_host(fh);
  for (const auto b : {Browser::chromium, Browser::firefox}) {
    INFO(name_of(b));
    const auto file = put_manifest(fh, b, host);
    const auto d = diagnose_manifest(b, file, quick());
    CHECK(d.severity == Severity::ok);
    CHECK(d.detail.find("answers hello (protocol 1, host fake)") != std::string::npos);
    CHECK(d.fix.empty());
    // Started as the browser starts it.
    const auto argv = optguard::test::slurp(host.string() + ".argv");
    if (b == Browser::firefox)
      CHECK(argv == file.string() + "\noptguard@optguard.org");
    else
      CHECK(argv == "chrome-extension://ckibindkepepohdlpkclkigoglaakafn/");
  }
}

TEST_CASE("doctor: a host that answers hello with an error", "[install][doctor]") {
  FakeHome fh;
  const auto host =
      fake_host(fh, R"({"id":1,"ok":false,"error":{"code":"internal","message":"x"}})");
  const auto d =
      diagnose_manifest(Browser::chromium, put_manifest(fh, Browser::chromium, host), quick());
  CHECK(d.severity == Severity::fail);
  CHECK(d.detail.find("answered hello with an error") != std::string::npos);
}

TEST_CASE("doctor: missing manifest", "[install][doctor]") {
  FakeHome fh;
  const auto d =
      diagnose_manifest(Browser::chromium, fh.env.home / "nope/org.optguard.host.json", quick());
  CHECK(d.severity == Severity::fail);
  CHECK(d.detail.find("Specified native messaging host not found") != std::string::npos);
  CHECK(d.fix == "optguard install --browser chromium");
}

TEST_CASE("doctor: a manifest that is not JSON", "[install][doctor]") {
  FakeHome fh;
  const auto file = put_manifest(fh, Browser::brave, fake_host(fh));
  std::ofstream(file) << "{\"name\": ";
  const auto d = diagnose_manifest(Browser::brave, file, quick());
  CHECK(d.severity == Severity::fail);
  CHECK(d.detail.find("not valid JSON") != std::string::npos);
  CHECK(d.fix == "optguard install --browser brave");
}

TEST_CASE("doctor: wrong (stale) host path", "[install][doctor]") {
  FakeHome fh;
  const auto file = put_manifest(fh, Browser::firefox, fh.base() / "gone/optguard");
  const auto d = diagnose_manifest(Browser::firefox, file, quick());
  CHECK(d.severity == Severity::fail);
  CHECK(d.detail.find("does not exist") != std::string::npos);
  CHECK(d.fix.starts_with("optguard install --browser firefox"));
}

TEST_CASE("doctor: wrong extension id", "[install][doctor]") {
  FakeHome fh;
  const auto file = put_manifest(fh, Browser::chrome, fake_host(fh));
  auto m = make_manifest(Family::chromium, fake_host(fh));
  m["allowed_origins"] = {"chrome-extension://knldjmfmopnpolahpmmgbagdohdnhkik/"};
  std::ofstream(file) << render(m);
  const auto d = diagnose_manifest(Browser::chrome, file, quick());
  CHECK(d.severity == Severity::fail);
  CHECK(d.detail.find("does not allow chrome-extension://ckibindkepepohdlpkclkigoglaakafn/") !=
        std::string::npos);
  CHECK(d.detail.find("forbidden") != std::string::npos);
  CHECK(d.fix == "optguard install --browser chrome");
}

TEST_CASE("doctor: a Firefox manifest that allows another add-on", "[install][doctor]") {
  FakeHome fh;
  const auto file = put_manifest(fh, Browser::firefox, fake_host(fh));
  auto m = make_manifest(Family::firefox, fake_host(fh));
  m["allowed_extensions"] = {"someone@example.org"};
  std::ofstream(file) << render(m);
  const auto d = diagnose_manifest(Browser::firefox, file, quick());
  CHECK(d.severity == Severity::fail);
  CHECK(d.detail.find("No such native application") != std::string::npos);
}

TEST_CASE("doctor: host not executable", "[install][doctor]") {
  FakeHome fh;
  const auto host = fh.script("bin/optguard", "#!/bin/sh\n", false);
  const auto file = put_manifest(fh, Browser::chromium, host);
  const auto d = diagnose_manifest(Browser::chromium, file, quick());
  CHECK(d.severity == Severity::fail);
  CHECK(d.detail.find("not an executable file") != std::string::npos);
  CHECK(d.fix == "chmod 755 '" + host.string() + "'");
}

TEST_CASE("doctor: host crashing on start", "[install][doctor]") {
  FakeHome fh;
  const auto host =
      fh.script("bin/optguard", "#!/bin/sh\necho 'cannot open ledger: boom' >&2\nexit 3\n");
  const auto file = put_manifest(fh, Browser::chromium, host);
  const auto d = diagnose_manifest(Browser::chromium, file, quick());
  CHECK(d.severity == Severity::fail);
  CHECK(d.detail.find("exited with status 3") != std::string::npos);
  CHECK(d.detail.find("cannot open ledger: boom") != std::string::npos);
  CHECK(d.fix.find("'chrome-extension://ckibindkepepohdlpkclkigoglaakafn/'") != std::string::npos);
}

TEST_CASE("doctor: host killed by a signal, and a host that never answers", "[install][doctor]") {
  FakeHome fh;
  const auto crash = fh.script("bin/crash", "#!/bin/sh\nkill -SEGV $$\n");
  auto d =
      diagnose_manifest(Browser::chromium, put_manifest(fh, Browser::chromium, crash), quick());
  CHECK(d.severity == Severity::fail);
  CHECK(d.detail.find("status 139") != std::string::npos);  // 128 + SIGSEGV
  const auto hang = fh.script("bin/hang", "#!/bin/sh\nexec sleep 30\n");
  DiagnoseOptions o;
  o.timeout = std::chrono::milliseconds(300);
  d = diagnose_manifest(Browser::firefox, put_manifest(fh, Browser::firefox, hang), o);
  CHECK(d.severity == Severity::fail);
  CHECK(d.detail.find("no reply to hello within 300 ms") != std::string::npos);
}

TEST_CASE("doctor: a manifest other users may write", "[install][doctor]") {
  FakeHome fh;
  const auto file = put_manifest(fh, Browser::chromium, fake_host(fh));
  fs::permissions(file, fs::perms(0666));
  const auto d = diagnose_manifest(Browser::chromium, file, quick());
  CHECK(d.severity == Severity::fail);
  CHECK(d.detail.find("writable by other users") != std::string::npos);
  CHECK(d.fix == "chmod 644 '" + file.string() + "'");
}

TEST_CASE("doctor: a browser found without a manifest, and none found at all",
          "[install][doctor]") {
  FakeHome fh;
  DiagnoseOptions o = quick();
  auto all = diagnose_browsers(fh.env, {}, fake_host(fh), o);
  REQUIRE(all.size() == 1);
  CHECK(all[0].severity == Severity::info);
  fs::create_directories(fh.env.home / ".config/microsoft-edge");
  all = diagnose_browsers(fh.env, {}, fake_host(fh), o);
  REQUIRE(all.size() == 1);
  CHECK(all[0].check == "browser:edge");
  CHECK(all[0].severity == Severity::fail);
  CHECK(all[0].fix == "optguard install --browser edge");
  // After install everything is green, including a custom user-data-dir.
  InstallRecord rec;
  InstallOptions io;
  io.host_path = fake_host(fh);
  io.chromium_user_data_dirs = {fh.base() / "profile"};
  install(io, fh.env, rec);
  all = diagnose_browsers(fh.env, rec, fake_host(fh), o);
  REQUIRE(all.size() == 2);
  for (const auto& d : all) {
    INFO(d.check << ": " << d.detail);
    CHECK(d.severity == Severity::ok);
  }
  CHECK(all[1].check.find("user-data-dir") != std::string::npos);
}

TEST_CASE("doctor: a Flatpak browser shows up as a warning with its workaround",
          "[install][doctor]") {
  FakeHome fh;
  fs::create_directories(fh.env.home / ".var/app/com.google.Chrome");
  const auto all = diagnose_browsers(fh.env, {}, fake_host(fh), quick());
  REQUIRE(all.size() == 1);
  CHECK(all[0].check == "sandbox:chrome:com.google.Chrome");
  CHECK(all[0].severity == Severity::warn);
  CHECK(all[0].fix.find("flatpak-spawn --host") != std::string::npos);
}
