// The ledger through the real `optguard` binary: the CLI and the protocol over pipes.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "host_process.hpp"

using nlohmann::json;
using optguard::test::Output;
using optguard::test::Process;
using optguard::test::run;
using optguard::test::TempDir;

namespace {
struct Home {
  TempDir dir;
  std::string path() const { return dir.path() + "/home"; }
  std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
    extra.emplace("OPTGUARD_HOME", path());
    extra.emplace("OPTGUARD_PASSPHRASE", "");  // removed: never inherit one
    return extra;
  }
};

Output og(const Home& h, std::vector<std::string> args,
          std::map<std::string, std::string> extra = {}) {
  args.insert(args.begin(), OPTGUARD_BIN);
  auto env = h.env(std::move(extra));
  auto o = run(args, env);
  UNSCOPED_INFO("optguard " << Catch::Detail::stringify(args) << " -> " << o.exit.code
                            << "\nstdout:\n"
                            << o.out << "\nstderr:\n"
                            << o.err);
  return o;
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

json request(Process& p, const json& req) {
  p.send_frame(req.dump());
  const auto f = p.read_frame(std::chrono::seconds(30));
  REQUIRE(f);
  return json::parse(*f);
}
}  // namespace

TEST_CASE("ledger CLI: choices, choice set, list, export, verify") {
  Home h;
  auto o = og(h, {"choices", "--json"});
  REQUIRE(o.exit.code == 0);
  json st = json::parse(o.out);
  CHECK(st["choices"]["global"]["gpc"] == true);
  CHECK(st["choices"]["global"]["browser:topics"] == false);

  REQUIRE(og(h, {"choice", "set", "gpc", "off"}).exit.code == 0);
  REQUIRE(
      og(h, {"choice", "set", "protection", "off", "--site", "https://www.shop.example.co.uk/cart"})
          .exit.code == 0);
  CHECK(og(h, {"choice", "set", "nonsense", "off"}).exit.code == 1);
  CHECK(og(h, {"choice", "set", "gpc", "maybe"}).exit.code == 2);

  st = json::parse(og(h, {"choices", "--json"}).out);
  CHECK(st["choices"]["global"]["gpc"] == false);
  CHECK(st["choices"]["sites"]["example.co.uk"]["protection"] == false);
  o = og(h, {"choices"});
  CHECK(o.out.find("example.co.uk: protection=off") != std::string::npos);

  o = og(h, {"ledger", "list", "--json"});
  REQUIRE(o.exit.code == 0);
  json list = json::parse(o.out)["records"];
  REQUIRE(list.size() == 2);
  CHECK(list[0]["source"] == "cli");
  CHECK(list[0]["key"] == "gpc");
  CHECK(list[0]["old"] == true);
  CHECK(list[1]["site"] == "example.co.uk");
  CHECK(json::parse(
            og(h, {"ledger", "list", "--json", "--site", "shop.example.co.uk"}).out)["records"]
            .size() == 1);
  CHECK(
      json::parse(og(h, {"ledger", "list", "--json", "--type", "signals"}).out)["records"].empty());
  CHECK(json::parse(og(h, {"ledger", "list", "--json", "--until", "2000-01-01"}).out)["records"]
            .empty());
  CHECK(og(h, {"ledger", "list", "--since", "not-a-date"}).exit.code == 1);
  o = og(h, {"ledger", "list"});
  CHECK(o.out.find("choice protection off for example.co.uk (was unset, by cli)") !=
        std::string::npos);

  const std::string receipt = h.dir.path() + "/receipt.json";
  REQUIRE(og(h, {"ledger", "export", "--site", "example.co.uk", "--out", receipt}).exit.code == 0);
  json r = json::parse(slurp(receipt));
  CHECK(r["records"].size() == 1);
  // A receipt verifies with no key at all (another, empty home).
  Home stranger;
  o = og(stranger, {"ledger", "verify", receipt});
  CHECK(o.exit.code == 0);
  CHECK(o.out.find("OK") == 0);
  r["records"][0]["new"] = true;
  std::ofstream(receipt) << r.dump();
  o = og(stranger, {"ledger", "verify", receipt});
  CHECK(o.exit.code == 1);
  CHECK(o.out.find("FAILED") == 0);

  const std::string html = h.dir.path() + "/receipt.html";
  REQUIRE(og(h, {"ledger", "export", "--out", html, "--format", "html"}).exit.code == 0);
  CHECK(slurp(html).find("example.co.uk") != std::string::npos);
  const std::string text = h.dir.path() + "/receipt.txt";
  REQUIRE(og(h, {"ledger", "export", "--out", text, "--format", "text"}).exit.code == 0);
  CHECK(slurp(text).find("Public key:") != std::string::npos);

  o = og(h, {"ledger", "verify", "--json"});
  CHECK(o.exit.code == 0);
  CHECK(json::parse(o.out)["ok"] == true);
  CHECK(json::parse(o.out)["records"] == 2);
}

TEST_CASE("ledger CLI: key passphrase, rotate, backup and a missing key") {
  Home h;
  REQUIRE(og(h, {"choice", "set", "dnt", "off"}).exit.code == 0);
  auto o = og(h, {"key", "passphrase", "set"}, {{"OPTGUARD_NEW_PASSPHRASE", "tr0ub4dor"}});
  REQUIRE(o.exit.code == 0);
  o = og(h, {"choices"});
  CHECK(o.exit.code == 1);
  CHECK(o.err.find("OPTGUARD_PASSPHRASE") != std::string::npos);
  o = og(h, {"choices"}, {{"OPTGUARD_PASSPHRASE", "wrong"}});
  CHECK(o.exit.code == 1);
  CHECK(o.err.find("wrong passphrase") != std::string::npos);
  CHECK(og(h, {"choices"}, {{"OPTGUARD_PASSPHRASE", "tr0ub4dor"}}).exit.code == 0);

  o = og(h, {"key", "rotate"}, {{"OPTGUARD_PASSPHRASE", "tr0ub4dor"}});
  REQUIRE(o.exit.code == 0);
  CHECK(og(h, {"ledger", "verify"}, {{"OPTGUARD_PASSPHRASE", "tr0ub4dor"}}).exit.code == 0);
  REQUIRE(
      og(h, {"key", "passphrase", "remove"}, {{"OPTGUARD_PASSPHRASE", "tr0ub4dor"}}).exit.code ==
      0);
  CHECK(og(h, {"ledger", "verify"}).exit.code == 0);

  const std::string backup = h.dir.path() + "/key.backup";
  REQUIRE(og(h, {"key", "backup", "--out", backup}).exit.code == 0);
  CHECK(og(h, {"key", "backup", "--out", backup}).exit.code == 1);  // never overwrites
  o = og(h, {"key", "show", "--json"});
  REQUIRE(o.exit.code == 0);
  CHECK(json::parse(o.out)["passphrase"] == false);

  // The key goes missing: a clear error, no new key; the backup brings the ledger back.
  std::remove((h.path() + "/ledger.key").c_str());
  o = og(h, {"choices"});
  CHECK(o.exit.code == 1);
  CHECK(o.err.find("missing") != std::string::npos);
  CHECK_FALSE(std::ifstream(h.path() + "/ledger.key").good());
  std::ofstream(h.path() + "/ledger.key") << slurp(backup);
  ::chmod((h.path() + "/ledger.key").c_str(), 0600);
  o = og(h, {"choices", "--json"});
  REQUIRE(o.exit.code == 0);
  CHECK(json::parse(o.out)["choices"]["global"]["dnt"] == false);
}

TEST_CASE("ledger protocol: the messages over native-messaging pipes") {
  Home h;
  Process p({OPTGUARD_BIN, "serve"}, h.env());
  json r = request(p, {{"id", 1}, {"type", "get_state"}});
  REQUIRE(r["ok"] == true);
  CHECK(r["result"]["choices"]["global"]["protection"] == true);

  r = request(p, {{"id", 2},
                  {"type", "set_choice"},
                  {"scope", "site"},
                  {"site", "www.example.com"},
                  {"key", "protection"},
                  {"value", false},
                  {"source", "popup"}});
  REQUIRE(r["ok"] == true);
  CHECK(r["result"]["seq"] == 1);
  CHECK(r["result"]["state"]["choices"]["sites"]["example.com"]["protection"] == false);

  r = request(p, {{"id", 3},
                  {"type", "set_choice"},
                  {"scope", "galaxy"},
                  {"key", "gpc"},
                  {"value", false},
                  {"source", "popup"}});
  CHECK(r["ok"] == false);
  CHECK(r["error"]["code"] == "bad_params");
  r = request(p, {{"id", 4},
                  {"type", "set_choice"},
                  {"scope", "global"},
                  {"key", "gpc"},
                  {"value", "no"},
                  {"source", "popup"}});
  CHECK(r["error"]["code"] == "bad_params");

  // Enough evidence for more than one 1 MiB page.
  int recorded = 0;
  json hosts = json::object();
  for (int k = 0; k < 8; ++k) hosts["pixel" + std::to_string(k) + ".tracker-network.example"] = 1;
  for (int call = 0; call < 2; ++call) {
    json events = json::array();
    for (int i = 0; i < 1500; ++i) {
      events.push_back({{"type", "blocked"},
                        {"site", "site" + std::to_string(call * 1500 + i) + ".example"},
                        {"day", "2026-11-29"},
                        {"category", "tracking"},
                        {"count", 8},
                        {"hosts", hosts}});
    }
    r = request(p, {{"id", 10 + call}, {"type", "record"}, {"events", events}});
    REQUIRE(r["ok"] == true);
    recorded += r["result"]["recorded"].get<int>();
  }
  CHECK(recorded == 3000);
  r = request(p, {{"id", 20}, {"type", "record"}, {"events", {{{"type", "signals"}}}}});
  CHECK(r["error"]["code"] == "bad_params");

  std::size_t listed = 0, pages = 0;
  json cursor = nullptr;
  do {
    json req{{"id", 30 + pages}, {"type", "ledger_list"}};
    if (!cursor.is_null()) req["cursor"] = cursor;
    p.send_frame(req.dump());
    const auto f = p.read_frame(std::chrono::seconds(30));
    REQUIRE(f);
    CHECK(f->size() <= 1024 * 1024);
    r = json::parse(*f);
    REQUIRE(r["ok"] == true);
    listed += r["result"]["records"].size();
    cursor = r["result"]["next_cursor"];
    ++pages;
  } while (!cursor.is_null() && pages < 20);
  CHECK(listed == 3001);
  CHECK(pages >= 2);

  r = request(p, {{"id", 60}, {"type", "ledger_list"}, {"record_type", "choice"}});
  REQUIRE(r["result"]["records"].size() == 1);
  CHECK(r["result"]["records"][0]["source"] == "popup");
  r = request(p, {{"id", 61}, {"type", "ledger_list"}, {"cursor", "bogus"}});
  CHECK(r["error"]["code"] == "bad_params");

  r = request(p, {{"id", 62}, {"type", "ledger_export"}, {"site", "example.com"}});
  REQUIRE(r["ok"] == true);
  CHECK(r["result"]["receipt"]["records"].size() == 1);
  CHECK(r["result"]["receipt"]["chain"]["head"]["seq"] == 3001);

  r = request(p, {{"id", 63}, {"type", "ledger_verify"}});
  REQUIRE(r["ok"] == true);
  CHECK(r["result"]["ok"] == true);
  CHECK(r["result"]["records"] == 3001);
  CHECK(r["result"]["first_bad_seq"].is_null());
  const auto e = p.finish();
  CHECK(e.code == 0);

  // The CLI sees the choice the "popup" made.
  const auto o = og(h, {"ledger", "list", "--type", "choice"});
  CHECK(o.out.find("protection off for example.com") != std::string::npos);
}

TEST_CASE("bench ledger runs and reports both columns") {
  Home h;
  const auto o = og(h, {"bench", "ledger", "--records", "3000", "--batch", "500", "--json"});
  REQUIRE(o.exit.code == 0);
  const json r = json::parse(o.out);
  CHECK(r["ledger"]["verify_ok"] == true);
  CHECK(r["ledger"]["verify_receipt_ok"] == true);
  CHECK(r["ledger"]["list_records"] == 3050);  // + 50 timed set_choice calls
  CHECK(r["baseline"]["appends_per_second"].get<double>() > 0);
  CHECK(r["ledger"]["appends_per_second"].get<double>() > 0);
}
