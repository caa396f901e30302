// The `optguard` command line, run as a user runs it.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "host_process.hpp"
#include "optguard/version.hpp"

using nlohmann::json;
using optguard::test::Output;
using optguard::test::run;
using optguard::test::TempDir;

namespace {
Output optguard_cmd(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), OPTGUARD_BIN);
  return run(args, env);
}

// The subcommand names listed under "Subcommands:" in CLI11's help text.
std::vector<std::string> subcommands_in(const std::string& help) {
  std::vector<std::string> out;
  std::istringstream in(help);
  std::string line;
  bool in_section = false;
  while (std::getline(in, line)) {
    if (line.starts_with("Subcommands:") || line.starts_with("SUBCOMMANDS:")) {
      in_section = true;
      continue;
    }
    if (!in_section) continue;
    if (line.empty()) break;
    if (!line.starts_with("  ") || line.starts_with("    ")) continue;  // wrapped description
    std::istringstream words(line);
    std::string name;
    words >> name;
    if (!name.empty()) out.push_back(name);
  }
  return out;
}

// Every command path (e.g. {"ledger", "list"}) reachable from `optguard`, from --help.
void collect(const std::vector<std::string>& path, std::vector<std::vector<std::string>>& all,
             const TempDir& home) {
  auto args = path;
  args.emplace_back("--help");
  const auto o = optguard_cmd(args, {{"OPTGUARD_HOME", home.path()}});
  INFO("optguard " << Catch::Detail::stringify(args) << "\nstdout:\n"
                   << o.out << "\nstderr:\n"
                   << o.err);
  REQUIRE_FALSE(o.exit.timed_out);
  REQUIRE(o.exit.code == 0);
  for (const auto& sub : subcommands_in(o.out)) {
    auto child = path;
    child.push_back(sub);
    all.push_back(child);
    collect(child, all, home);
  }
}
}  // namespace

TEST_CASE("cli: --help works for every subcommand, discovered from the help text",
          "[integration][cli]") {
  TempDir home;
  std::vector<std::vector<std::string>> commands;
  collect({}, commands, home);
  // The core ones are there; the others come from whichever features are built.
  std::set<std::string> top;
  for (const auto& c : commands) top.insert(c.front());
  CHECK(top.contains("version"));
  CHECK(top.contains("serve"));
  CHECK(top.contains("doctor"));
  for (const auto& c : commands) {
    auto args = c;
    args.emplace_back("--help");
    const auto o = optguard_cmd(args, {{"OPTGUARD_HOME", home.path()}});
    INFO("optguard " << Catch::Detail::stringify(args));
    CHECK(o.exit.code == 0);
    CHECK_THAT(o.out, Catch::Contains("Usage"));
    CHECK_THAT(o.out, Catch::Contains(c.back()));
  }
}

TEST_CASE("cli: no subcommand or an unknown one is a usage error (exit 2)", "[integration][cli]") {
  const auto none = optguard_cmd({});
  CHECK(none.exit.code == 2);
  CHECK(none.out.empty());
  const auto bad = optguard_cmd({"no-such-command"});
  CHECK(bad.exit.code == 2);
  CHECK_FALSE(bad.err.empty());
}

TEST_CASE("cli: version prints the host and protocol version, --json the libraries too",
          "[integration][cli]") {
  const auto text = optguard_cmd({"version"});
  CHECK(text.exit.code == 0);
  CHECK(text.out == std::string("optguard ") + optguard::kHostVersion + " (protocol 1)\n");
  const auto o = optguard_cmd({"version", "--json"});
  REQUIRE(o.exit.code == 0);
  const auto v = json::parse(o.out);
  CHECK(v["version"] == optguard::kHostVersion);
  CHECK(v["protocol"] == 1);
  for (const char* lib : {"sqlite", "libsodium", "libpsl"}) {
    INFO(lib);
    CHECK(v[lib].is_string());
    CHECK_FALSE(v[lib].get<std::string>().empty());
  }
}

TEST_CASE("cli: doctor --json reports the home from OPTGUARD_HOME and the dependencies",
          "[integration][cli]") {
  TempDir dir;
  const std::string home = dir.path() + "/home";
  REQUIRE(::mkdir(home.c_str(), 0700) == 0);
  const auto o = optguard_cmd({"doctor", "--json"}, {{"OPTGUARD_HOME", home}});
  INFO(o.out << o.err);
  REQUIRE_FALSE(o.exit.timed_out);
  const auto report = json::parse(o.out);
  REQUIRE(report["findings"].is_array());
  bool failed = false;
  std::set<std::string> checks;
  for (const auto& f : report["findings"]) {
    checks.insert(f["check"].get<std::string>());
    failed = failed || f["status"] == "fail";
    if (f["check"] == "home") {
      CHECK(f["status"] == "ok");
      CHECK_THAT(f["detail"].get<std::string>(), Catch::Contains(home) &&
                                                     Catch::Contains("OPTGUARD_HOME") &&
                                                     Catch::Contains("0700"));
    }
  }
  CHECK(checks.contains("home"));
  CHECK(checks.contains("dependency:sqlite"));
  CHECK(checks.contains("dependency:libsodium"));
  CHECK(checks.contains("dependency:libpsl"));
  // The exit code and "ok" agree with the findings (other features add their own checks).
  CHECK(report["ok"] == !failed);
  CHECK(o.exit.code == (failed ? 1 : 0));
}

TEST_CASE("cli: doctor fails on a home other users can reach and gives the chmod",
          "[integration][cli]") {
  TempDir dir;
  const std::string home = dir.path() + "/home";
  REQUIRE(::mkdir(home.c_str(), 0700) == 0);
  REQUIRE(::chmod(home.c_str(), 0755) == 0);
  const auto o = optguard_cmd({"doctor", "--json"}, {{"OPTGUARD_HOME", home}});
  INFO(o.out << o.err);
  CHECK(o.exit.code == 1);
  const auto report = json::parse(o.out);
  CHECK(report["ok"] == false);
  bool seen = false;
  for (const auto& f : report["findings"]) {
    if (f["check"] != "home") continue;
    seen = true;
    CHECK(f["status"] == "fail");
    CHECK_THAT(f["detail"].get<std::string>(), Catch::Contains("0755"));
    CHECK(f["fix"] == "chmod 700 '" + home + "'");
  }
  CHECK(seen);
  const auto text = optguard_cmd({"doctor"}, {{"OPTGUARD_HOME", home}});
  CHECK(text.exit.code == 1);
  CHECK_THAT(text.out, Catch::Contains("[FAIL] home") && Catch::Contains("fix: chmod 700"));
}

TEST_CASE("cli: doctor reports a missing home as information, not failure", "[integration][cli]") {
  TempDir dir;
  const std::string home = dir.path() + "/not-yet";
  const auto o = optguard_cmd({"doctor", "--json"}, {{"OPTGUARD_HOME", home}});
  const auto report = json::parse(o.out);
  for (const auto& f : report["findings"]) {
    if (f["check"] == "home") CHECK(f["status"] == "info");
  }
}
