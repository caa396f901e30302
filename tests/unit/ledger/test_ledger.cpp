// The ledger's normal operation: choices, evidence, listing, receipts, verify, rotation.
#include <catch2/catch.hpp>

#include "common/errors.hpp"
#include "helpers.hpp"
#include "ledger/render.hpp"
#include "ledger/site.hpp"

using namespace optguard::ledger;
using namespace ledger_test;
using optguard::ErrorCode;

TEST_CASE("a new ledger starts with the default choices, owner-only files and a valid chain") {
  TempHome home;
  Ledger ledger(home.path(), test_options());
  const State st = ledger.state();
  CHECK(st.global.at("gpc"));
  CHECK(st.global.at("block:tracking"));
  CHECK_FALSE(st.global.at("browser:topics"));
  CHECK(st.global.at("browser:third_party_cookies"));
  CHECK(st.sites.empty());
  CHECK(mode_of(home / "ledger.key") == 0600);
  CHECK(mode_of(home / "ledger.db") == 0600);
  const auto v = ledger.verify();
  CHECK(v.ok);
  CHECK(v.records == 0);
}

TEST_CASE("set_choice records the change with old value and source and updates the state") {
  TempHome home;
  Ledger ledger(home.path(), test_options());
  auto [seq1, st1] = ledger.set_choice("", "gpc", false, "popup");
  CHECK(seq1 == 1);
  CHECK_FALSE(st1.global.at("gpc"));
  auto [seq2, st2] = ledger.set_choice("https://www.News.Example.co.uk:8443/page?q=1", "protection",
                                       false, "options");
  CHECK(seq2 == 2);
  REQUIRE(st2.sites.count("example.co.uk") == 1);
  CHECK_FALSE(st2.sites.at("example.co.uk").at("protection"));

  std::vector<Record> rs;
  ledger.list({}, [&](const Record& r) {
    rs.push_back(r);
    return true;
  });
  REQUIRE(rs.size() == 2);
  CHECK(rs[0].payload["type"] == "choice");
  CHECK(rs[0].payload["old"] == true);
  CHECK(rs[0].payload["new"] == false);
  CHECK(rs[0].payload["source"] == "popup");
  CHECK(rs[1].payload["site"] == "example.co.uk");
  CHECK(rs[1].payload["old"].is_null());
  CHECK(rs[1].to_json()["seq"] == 2);

  // The state survives reopening (read from the encrypted state row).
  Ledger again(home.path(), test_options());
  CHECK(again.state() == st2);
  CHECK(again.verify().ok);
}

TEST_CASE("set_choice rejects unknown keys, sources and sites") {
  TempHome home;
  Ledger ledger(home.path(), test_options());
  CHECK_THROWS_AS(ledger.set_choice("", "nope", true, "cli"), optguard::Error);
  CHECK_THROWS_AS(ledger.set_choice("", "gpc", true, "hacker"), optguard::Error);
  CHECK_THROWS_AS(ledger.set_choice("bad host/x y", "gpc", true, "cli"), optguard::Error);
  CHECK(ledger.count() == 0);
}

TEST_CASE("sites are stored by registrable domain") {
  CHECK(registrable_domain("https://www.news.example.co.uk/x") == "example.co.uk");
  CHECK(registrable_domain("Sub.Example.COM.") == "example.com");
  CHECK(registrable_domain("foo.github.io") == "foo.github.io");
  CHECK(registrable_domain("192.168.1.10:8080") == "192.168.1.10");
  CHECK(registrable_domain("localhost") == "localhost");
  CHECK_THROWS(registrable_domain(""));
}

TEST_CASE("record sums events per type, site and day and validates them") {
  TempHome home;
  Ledger ledger(home.path(), test_options());
  const Json events = Json::parse(R"([
    {"type": "signals", "site": "a.shop.example", "day": "2026-11-28", "gpc": 3, "dnt": 3},
    {"type": "signals", "site": "www.shop.example", "day": "2026-11-28", "gpc": 2, "dnt": 1},
    {"type": "blocked", "site": "shop.example", "day": "2026-11-28", "category": "tracking", "count": 4,
     "hosts": {"t.example": 4}},
    {"type": "blocked", "site": "shop.example", "day": "2026-11-28", "category": "tracking", "count": 1,
     "hosts": {"t.example": 1}},
    {"type": "gpc_json", "site": "shop.example", "day": "2026-11-28", "status": "found",
     "declaration": {"gpc": true, "lastUpdate": "2025-01-01"}},
    {"type": "browser_setting", "key": "browser:topics", "action": "overridden", "value": true, "day": "2026-11-28"}
  ])");
  CHECK(ledger.record_events(events) == 4);
  std::vector<Json> rs;
  ledger.list({}, [&](const Record& r) {
    rs.push_back(r.to_json());
    return true;
  });
  REQUIRE(rs.size() == 4);
  CHECK(rs[0]["type"] == "signals");
  CHECK(rs[0]["site"] == "shop.example");
  CHECK(rs[0]["gpc"] == 5);
  CHECK(rs[0]["dnt"] == 4);
  CHECK(rs[1]["count"] == 5);
  CHECK(rs[1]["hosts"]["t.example"] == 5);
  CHECK(rs[2]["declaration"]["gpc"] == true);
  CHECK(rs[3]["action"] == "overridden");
  CHECK(describe_record(rs[1]).find("blocked on shop.example") != std::string::npos);

  for (const char* bad :
       {R"([{"type": "signals", "day": "2026-11-28"}])",
        R"([{"type": "blocked", "site": "a.example", "category": "weird", "count": 1}])",
        R"([{"type": "signals", "site": "a.example", "gpc": -1}])",
        R"([{"type": "browser_setting", "key": "gpc", "action": "applied", "value": true}])",
        R"([{"type": "mystery"}])", R"({"type": "signals"})"}) {
    INFO(bad);
    try {
      ledger.record_events(Json::parse(bad));
      FAIL("accepted a bad event");
    } catch (const optguard::Error& e) {
      CHECK(e.code() == ErrorCode::bad_params);
    }
  }
  CHECK(ledger.count() == 4);  // nothing of a bad call was written
}

TEST_CASE("list selects by site, type, time and pages by seq") {
  TempHome home;
  Ledger ledger(home.path(), test_options());
  for (int i = 0; i < 30; ++i)
    ledger.append({signals(i % 2 == 0 ? "even.example" : "odd.example", i)});
  ledger.set_choice("even.example", "gpc", false, "cli");
  auto collect = [&](const Selection& s) {
    std::vector<std::int64_t> seqs;
    ledger.list(s, [&](const Record& r) {
      seqs.push_back(r.seq);
      return true;
    });
    return seqs;
  };
  Selection by_site;
  by_site.site = "https://www.even.example/";
  CHECK(collect(by_site).size() == 16);
  Selection by_type;
  by_type.type = "choice";
  CHECK(collect(by_type) == std::vector<std::int64_t>{31});
  Selection page;
  page.after_seq = 25;
  CHECK(collect(page).size() == 6);
  Selection future;
  future.since_ms = now_ms() + 3600 * 1000;
  CHECK(collect(future).empty());
  Selection past;
  past.until_ms = parse_time("2000-01-01", true);
  CHECK(collect(past).empty());
  Selection today;
  today.since_ms = parse_time(iso_time(now_ms()).substr(0, 10), false);
  today.until_ms = parse_time(iso_time(now_ms()).substr(0, 10), true);
  CHECK(collect(today).size() == 31);
  CHECK(parse_time("2026-01-02", false) == 1767312000000);
  CHECK_THROWS(parse_time("yesterday", false));
}

TEST_CASE("a receipt verifies with only its public key and fails when altered") {
  TempHome home;
  Ledger ledger(home.path(), test_options());
  ledger.set_choice("", "dnt", false, "cli");
  ledger.record_events(
      Json::parse(R"([{"type": "signals", "site": "receipt.example", "gpc": 1, "dnt": 1}])"));
  ledger.record_events(
      Json::parse(R"([{"type": "signals", "site": "other.example", "gpc": 1, "dnt": 1}])"));
  Selection sel;
  sel.site = "receipt.example";
  const Json receipt = ledger.export_receipt(sel);
  CHECK(receipt["records"].size() == 1);
  CHECK(receipt["chain"]["head"]["seq"] == 3);
  const auto ok = verify_receipt(receipt);
  CHECK(ok.ok);
  CHECK(ok.records == 1);
  CHECK(verify_receipt(Json::parse(receipt.dump())).ok);  // survives serialisation

  Json altered = receipt;
  altered["records"][0]["gpc"] = 0;
  CHECK_FALSE(verify_receipt(altered).ok);
  Json removed = receipt;
  removed["records"] = Json::array();
  CHECK_FALSE(verify_receipt(removed).ok);
  CHECK_FALSE(verify_receipt(receipt, "AAAA").ok);
  CHECK(render_receipt_text(receipt).find("receipt.example") != std::string::npos);
  CHECK(render_receipt_html(receipt).find("<table>") != std::string::npos);
}

TEST_CASE("a schema-1 ledger is migrated forward on open") {
  TempHome home;
  {
    Ledger ledger(home.path(), test_options());
    ledger.append({signals("m.example", 1)});
  }
  raw_sql(home / "ledger.db", "DROP INDEX records_time; PRAGMA user_version = 1;");
  Ledger ledger(home.path(), test_options());
  CHECK(ledger.verify().ok);
  sqlite3* h = nullptr;
  sqlite3_open((home / "ledger.db").c_str(), &h);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h,
                     "SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'records_time'), "
                     "(SELECT user_version FROM pragma_user_version)",
                     -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(sqlite3_column_int(st, 0) == 1);
  CHECK(sqlite3_column_int(st, 1) == kSchemaVersion);
  sqlite3_finalize(st);
  sqlite3_close(h);
}

TEST_CASE("key rotation re-encrypts everything under a new key") {
  TempHome home;
  Ledger ledger(home.path(), test_options());
  for (int i = 0; i < 20; ++i)
    ledger.append({signals("rot" + std::to_string(i % 3) + ".example", i)});
  ledger.set_choice("rot1.example", "gpc", false, "cli");
  const std::string old_id = ledger.keys().key_id();
  const std::string old_key = read_all(home / "ledger.key");
  const State before = ledger.state();
  ledger.rotate_key();
  CHECK(ledger.keys().key_id() != old_id);
  CHECK_FALSE(std::filesystem::exists(home / "ledger.key.new"));
  CHECK(ledger.verify().ok);
  CHECK(ledger.state() == before);
  Selection s;
  s.site = "rot1.example";
  int n = 0;
  ledger.list(s, [&](const Record&) { return ++n > 0; });
  CHECK(n == 8);

  // A fresh process opens it with the new key; the old key is now the wrong key.
  {
    Ledger again(home.path(), test_options());
    CHECK(again.verify().ok);
  }
  const std::string new_key = read_all(home / "ledger.key");
  write_all(home / "ledger.key", old_key);
  try {
    Ledger wrong(home.path(), test_options());
    FAIL("opened with the old key");
  } catch (const optguard::Error& e) {
    CHECK(e.code() == ErrorCode::wrong_key);
  }
  write_all(home / "ledger.key", new_key);
}

TEST_CASE("another process's rotation is picked up by an open ledger") {
  TempHome home;
  Ledger a(home.path(), test_options());
  a.append({signals("x.example", 1)});
  {
    Ledger b(home.path(), test_options());
    b.rotate_key();
  }
  a.append({signals("x.example", 2)});  // reloads the new key inside its transaction
  CHECK(a.verify().ok);
  CHECK(a.count() == 2);
}

TEST_CASE("a rotation interrupted before its commit leaves the old state") {
  TempHome home;
  {
    Ledger ledger(home.path(), test_options());
    ledger.append({signals("c.example", 1)});
  }
  const std::string db_before = read_all(home / "ledger.db");
  // The crash left the new key file only (the database transaction never committed).
  write_key(home / "ledger.key.new", random_master_key(), nullptr, minimal_kdf_limits());
  Ledger ledger(home.path(), test_options());
  CHECK_FALSE(std::filesystem::exists(home / "ledger.key.new"));
  CHECK(ledger.verify().ok);
  CHECK(ledger.count() == 1);
}

TEST_CASE("a rotation interrupted after its commit is finished on open") {
  TempHome home;
  TempHome rotated;
  {
    Ledger ledger(home.path(), test_options());
    ledger.append({signals("c.example", 1)});
    ledger.checkpoint();
  }
  std::filesystem::copy(home / "ledger.db", rotated / "ledger.db");
  std::filesystem::copy(home / "ledger.key", rotated / "ledger.key");
  {
    Ledger r(rotated.path(), test_options());
    r.rotate_key();
    r.checkpoint();
  }
  // The crash state: the re-keyed database committed, the new key not yet renamed into place.
  std::filesystem::remove(home / "ledger.db");
  std::filesystem::remove(home / "ledger.db-wal");
  std::filesystem::remove(home / "ledger.db-shm");
  std::filesystem::copy(rotated / "ledger.db", home / "ledger.db");
  std::filesystem::copy(rotated / "ledger.key", home / "ledger.key.new");
  Ledger ledger(home.path(), test_options());
  CHECK_FALSE(std::filesystem::exists(home / "ledger.key.new"));
  CHECK(read_all(home / "ledger.key") == read_all(rotated / "ledger.key"));
  CHECK(ledger.verify().ok);
}

TEST_CASE("key backup writes a usable copy and refuses to overwrite") {
  TempHome home;
  TempHome other;
  {
    Ledger ledger(home.path(), test_options());
    ledger.append({signals("b.example", 1)});
    ledger.backup_key(other / "backup.key");
  }
  CHECK(mode_of(other / "backup.key") == 0600);
  CHECK(read_all(other / "backup.key") == read_all(home / "ledger.key"));
  Ledger ledger(home.path(), test_options());
  CHECK_THROWS_AS(ledger.backup_key(other / "backup.key"), optguard::Error);
}
