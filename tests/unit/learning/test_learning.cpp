// The Learner: threshold of distinct first-party sites, persistence across reopen, undo,
// bad input, a damaged database.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "common/errors.hpp"
#include "common/temp_dir.hpp"
#include "filters/custom/atomic_file.hpp"
#include "learning/learning.hpp"
#include "ledger/crypto.hpp"

using namespace optguard;
using learning::Learner;
using learning::Observation;

namespace {
// The ledger's master key stands in for ledger.key (the Learner only derives from it).
const ledger::SecretBytes& key() {
  static const ledger::SecretBytes k = ledger::random_master_key();
  return k;
}
std::string list_text(const Learner& l) {
  return filters::read_file_if_exists(l.list_path()).value_or("");
}
Observation seen(const std::string& domain, const std::string& site) {
  return {domain, site, "https://" + domain + "/p.gif?uid=a1b2c3d4e5"};
}
}  // namespace

TEST_CASE("a domain is learned on its third distinct first-party site", "[learning]") {
  TempDir home;
  Learner l(home.path(), key());
  auto r = l.observe({seen("px.example", "a.test"), seen("px.example", "www.a.test")}, 1000);
  CHECK(r.accepted == 2);
  CHECK(r.learned.empty());  // www.a.test is the same site as a.test
  r = l.observe({seen("cdn.px.example", "b.test")}, 2000);
  CHECK(r.learned.empty());
  CHECK(l.learned().empty());
  CHECK(list_text(l).find("px.example") == std::string::npos);
  r = l.observe({seen("px.example", "shop.c.co.uk")}, 3000);
  REQUIRE(r.learned.size() == 1);
  CHECK(r.learned[0].domain == "px.example");
  CHECK(r.learned[0].sites == std::vector<std::string>{"a.test", "b.test", "c.co.uk"});
  CHECK(r.learned[0].learned_at_ms == 3000);
  CHECK(list_text(l).find("\n||px.example^$third-party\n") != std::string::npos);
  // Learned once: later sightings are not counted and learn nothing again.
  r = l.observe({seen("px.example", "d.test")}, 4000);
  CHECK(r.learned.empty());
  CHECK(r.ignored == 1);
  CHECK(l.learned().size() == 1);
}

TEST_CASE("the first party's own domain and IP addresses are never learned", "[learning]") {
  TempDir home;
  Learner l(home.path(), key(), 1);
  auto r =
      l.observe({seen("img.news.example", "www.news.example"), seen("10.0.0.1", "a.test")}, 1000);
  CHECK(r.accepted == 0);
  CHECK(r.ignored == 2);
  CHECK(l.learned().empty());
}

TEST_CASE("learned trackers and sightings survive a reopen", "[learning]") {
  TempDir home;
  {
    Learner l(home.path(), key());
    l.observe({seen("px.example", "a.test"), seen("px.example", "b.test"),
               seen("other.example", "a.test")},
              1000);
    l.observe({seen("px.example", "c.test")}, 2000);
  }
  Learner again(home.path(), key());
  const auto all = again.learned();
  REQUIRE(all.size() == 1);
  CHECK(all[0].domain == "px.example");
  CHECK(all[0].learned_at_ms == 2000);
  // other.example keeps its one site: two more learn it.
  CHECK(again.observe({seen("other.example", "b.test")}, 3000).learned.empty());
  CHECK(again.observe({seen("other.example", "c.test")}, 4000).learned.size() == 1);
  CHECK(again.learned().size() == 2);
}

TEST_CASE("undo removes the rule and the domain is never learned again", "[learning]") {
  TempDir home;
  Learner l(home.path(), key());
  l.observe(
      {seen("px.example", "a.test"), seen("px.example", "b.test"), seen("px.example", "c.test")},
      1000);
  REQUIRE(l.learned().size() == 1);
  const auto was = l.unlearn("PX.example", 2000);
  CHECK(was.domain == "px.example");
  CHECK(was.learned_at_ms == 1000);
  CHECK(was.sites.size() == 3);
  CHECK(l.learned().empty());
  CHECK(list_text(l).find("px.example") == std::string::npos);
  CHECK(l.unlearned() == std::vector<std::string>{"px.example"});
  auto r = l.observe(
      {seen("px.example", "d.test"), seen("px.example", "e.test"), seen("px.example", "f.test")},
      3000);
  CHECK(r.learned.empty());
  CHECK(r.ignored == 3);
  // Also after a reopen.
  Learner again(home.path(), key());
  CHECK(again.observe({seen("px.example", "g.test")}, 4000).ignored == 1);
  // Undoing a domain never learned: nothing removed, but it is not learned later either.
  CHECK(again.unlearn("never.example", 5000).learned_at_ms == 0);
  CHECK(again.observe({seen("never.example", "a.test")}, 6000).ignored == 1);
}

TEST_CASE("bad observations are refused and record nothing", "[learning]") {
  TempDir home;
  Learner l(home.path(), key(), 1);
  auto code_of = [&](const std::vector<Observation>& o) {
    try {
      l.observe(o, 1000);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::internal;
  };
  CHECK(code_of({{"", "a.test", ""}}) == ErrorCode::bad_params);
  CHECK(code_of({{"px.example", "", ""}}) == ErrorCode::bad_params);
  CHECK(code_of({{"px example", "a.test", ""}}) == ErrorCode::bad_params);
  CHECK(code_of({{"px.ex\"ample", "a.test", ""}}) == ErrorCode::bad_params);
  // A good one before a bad one is not recorded either (threshold 1 would learn it).
  CHECK(code_of({seen("good.example", "a.test"), {"bad$domain", "a.test", ""}}) ==
        ErrorCode::bad_params);
  CHECK(l.learned().empty());
  std::vector<Observation> many(learning::kMaxObservations + 1, seen("px.example", "a.test"));
  CHECK(code_of(many) == ErrorCode::bad_params);
  CHECK_THROWS_AS(l.unlearn("", 1000), Error);
}

TEST_CASE("a damaged learning database is moved aside and a new one started", "[learning]") {
  TempDir home;
  {
    std::ofstream f(home.path() / learning::kDbFile, std::ios::binary);
    f << std::string(8192, 'x');
  }
  Learner l(home.path(), key());
  CHECK(!l.moved_aside().empty());
  CHECK(std::filesystem::exists(l.moved_aside()));
  CHECK(l.learned().empty());
  l.observe(
      {seen("px.example", "a.test"), seen("px.example", "b.test"), seen("px.example", "c.test")},
      1000);
  CHECK(l.learned().size() == 1);
}

TEST_CASE("filter_for is a third-party hostname anchor", "[learning]") {
  CHECK(Learner::filter_for("px.example") == "||px.example^$third-party");
}

namespace {
// Every byte of every file in the home (learning.db, -wal, -shm, learned.txt, ...).
std::string home_bytes(const std::filesystem::path& home) {
  std::string all;
  for (const auto& e : std::filesystem::recursive_directory_iterator(home)) {
    if (!e.is_regular_file()) continue;
    std::ifstream f(e.path(), std::ios::binary);
    all += std::string(std::istreambuf_iterator<char>(f), {});
  }
  return all;
}
std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  REQUIRE(rc == SQLITE_OK);
}
}  // namespace

TEST_CASE("learning.db holds no first-party site, URL or candidate domain in clear",
          "[learning][privacy]") {
  TempDir home;
  const auto check_clean = [&](const char* when) {
    INFO(when);
    const std::string bytes = home_bytes(home.path());
    REQUIRE(!bytes.empty());
    for (const char* secret : {"secretclinic", "diary-of-me", "uid=a1b2c3d4e5", "rare-cdn"}) {
      INFO(secret);
      CHECK(bytes.find(secret) == std::string::npos);
    }
  };
  {
    Learner l(home.path(), key());
    l.observe({seen("px.example", "www.secretclinic.test"), seen("px.example", "diary-of-me.test"),
               seen("rare-cdn.example", "secretclinic.test")},
              1000);
    check_clean("open, two sites");
    const auto r = l.observe({seen("px.example", "c.test")}, 2000);
    REQUIRE(r.learned.size() == 1);
    CHECK(r.learned[0].sites ==
          std::vector<std::string>{"c.test", "diary-of-me.test", "secretclinic.test"});
    CHECK(l.learned()[0].sites.size() == 3);
    check_clean("open, learned");
    l.unlearn("px.example", 3000);
    check_clean("open, undone");
  }
  check_clean("closed");
  // Learned and undone tracker domains are list-like data and may stay in clear; the sites are
  // counted on keyed tags, so a second Learner still counts rare-cdn's one site.
  Learner again(home.path(), key(), 2);
  CHECK(again.observe({seen("rare-cdn.example", "secretclinic.test")}, 4000).learned.empty());
  CHECK(again.observe({seen("rare-cdn.example", "b.test")}, 5000).learned.size() == 1);
}

TEST_CASE("learning.db opened with another master key: wrong_key, the file is kept",
          "[learning][privacy]") {
  TempDir home;
  {
    Learner l(home.path(), key());
    l.observe(
        {seen("px.example", "a.test"), seen("px.example", "b.test"), seen("px.example", "c.test")},
        1000);
  }
  const auto db = home.path() / learning::kDbFile;
  const std::string before = file_bytes(db);
  const ledger::SecretBytes other = ledger::random_master_key();
  try {
    Learner wrong(home.path(), other);
    FAIL("opened with the wrong key");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::wrong_key);
    CHECK(std::string(e.what()).find("not changed") != std::string::npos);
  }
  CHECK(file_bytes(db) == before);
  // Nothing moved aside, nothing lost: the right key reads it all.
  for (const auto& e : std::filesystem::directory_iterator(home.path()))
    CHECK(e.path().filename().string().find("corrupt") == std::string::npos);
  Learner right(home.path(), key());
  REQUIRE(right.learned().size() == 1);
  CHECK(right.learned()[0].sites == std::vector<std::string>{"a.test", "b.test", "c.test"});
}

TEST_CASE("a learning.db of the unencrypted first format is migrated in place",
          "[learning][privacy]") {
  TempDir home;
  const auto db = home.path() / learning::kDbFile;
  {
    // Format 0 as the first version wrote it (WAL, sites in clear).
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
    exec(raw,
         "PRAGMA journal_mode=WAL;"
         "CREATE TABLE sightings(domain TEXT NOT NULL, site TEXT NOT NULL,"
         " first_seen INTEGER NOT NULL, url TEXT NOT NULL, PRIMARY KEY(domain, site)) WITHOUT "
         "ROWID;"
         "CREATE TABLE learned(domain TEXT PRIMARY KEY, learned_at INTEGER NOT NULL);"
         "CREATE TABLE unlearned(domain TEXT PRIMARY KEY, unlearned_at INTEGER NOT NULL);"
         "INSERT INTO sightings VALUES ('px.example', 'oldsecretsite.test', 1,"
         " 'https://px.example/p.gif?uid=zz99yy88xx'),"
         " ('px.example', 'otherold.test', 2, 'https://px.example/p.gif?uid=zz99yy88xx'),"
         " ('gone.example', 'a.test', 3, 'https://gone.example/x'),"
         " ('gone.example', 'b.test', 3, 'https://gone.example/x'),"
         " ('gone.example', 'c.test', 3, 'https://gone.example/x');"
         "INSERT INTO learned VALUES ('gone.example', 3);"
         "INSERT INTO unlearned VALUES ('undone.example', 4);");
    sqlite3_close(raw);
  }
  REQUIRE(file_bytes(db).find("oldsecretsite") != std::string::npos);
  {
    Learner l(home.path(), key());
    CHECK(l.moved_aside().empty());
    // Learned trackers keep their sites, undos are kept, counting goes on from two sites.
    REQUIRE(l.learned().size() == 1);
    CHECK(l.learned()[0].domain == "gone.example");
    CHECK(l.learned()[0].sites == std::vector<std::string>{"a.test", "b.test", "c.test"});
    CHECK(l.unlearned() == std::vector<std::string>{"undone.example"});
    CHECK(l.observe({seen("undone.example", "a.test")}, 10).ignored == 1);
    const auto r = l.observe({seen("px.example", "new.test")}, 10);
    REQUIRE(r.learned.size() == 1);
    CHECK(r.learned[0].sites ==
          std::vector<std::string>{"new.test", "oldsecretsite.test", "otherold.test"});
    const std::string bytes = home_bytes(home.path());
    CHECK(bytes.find("oldsecretsite") == std::string::npos);
    CHECK(bytes.find("otherold") == std::string::npos);
    CHECK(bytes.find("zz99yy88xx") == std::string::npos);
  }
  const std::string bytes = home_bytes(home.path());
  CHECK(bytes.find("oldsecretsite") == std::string::npos);
  CHECK(bytes.find("zz99yy88xx") == std::string::npos);
  // Migrated once: the next open is a plain open.
  Learner again(home.path(), key());
  CHECK(again.learned().size() == 2);
}

TEST_CASE("a learning.db from a newer optguard is refused and left as it is", "[learning]") {
  TempDir home;
  const auto db = home.path() / learning::kDbFile;
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
    exec(raw, "CREATE TABLE future(x); PRAGMA user_version=99;");
    sqlite3_close(raw);
  }
  const std::string before = file_bytes(db);
  try {
    Learner l(home.path(), key());
    FAIL("opened a newer format");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::ledger_too_new);
  }
  CHECK(file_bytes(db) == before);
}

TEST_CASE("after a key rotation the old learning.db is set aside and its decisions carried over",
          "[learning][privacy]") {
  TempDir home;
  {
    Learner l(home.path(), key());
    l.observe({seen("px.example", "a.test"), seen("px.example", "b.test"),
               seen("px.example", "c.test"), seen("half.example", "a.test")},
              1000);
    l.unlearn("undone.example", 2000);
  }
  const ledger::SecretBytes rotated = ledger::random_master_key();
  CHECK_THROWS_AS(Learner(home.path(), rotated), Error);
  const auto aside = Learner::set_aside_for_new_key(home.path());
  CHECK(aside.filename().string() == "learning.db.key-" + ledger::key_id_of(key()));
  CHECK(!std::filesystem::exists(home.path() / learning::kDbFile));
  Learner l(home.path(), rotated);
  CHECK(l.adopt_decisions(aside) == 2);
  REQUIRE(l.learned().size() == 1);
  CHECK(l.learned()[0].domain == "px.example");
  CHECK(l.learned()[0].learned_at_ms == 1000);
  CHECK(l.unlearned() == std::vector<std::string>{"undone.example"});
  CHECK(list_text(l).find("\n||px.example^$third-party\n") != std::string::npos);
  CHECK(l.observe({seen("undone.example", "a.test")}, 3000).ignored == 1);
  // The set-aside file is whole: the earlier key still reads it (sightings included).
  std::filesystem::create_directory(home.path() / "old");
  std::filesystem::copy_file(aside, home.path() / "old" / learning::kDbFile);
  Learner old(home.path() / "old", key(), 2);
  CHECK(old.learned().size() == 1);
  CHECK(old.observe({seen("half.example", "b.test")}, 4000).learned.size() == 1);
}
