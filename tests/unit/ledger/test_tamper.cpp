// Tampering with the file through the sqlite3 C API: verify fails and names the first bad seq.
#include <catch2/catch.hpp>

#include "common/errors.hpp"
#include "helpers.hpp"

using namespace optguard::ledger;
using namespace ledger_test;

namespace {
// A ledger of 20 records (seq 1..20), closed (WAL folded in).
void make_ledger(const TempHome& home) {
  Ledger ledger(home.path(), test_options());
  for (int i = 1; i <= 20; ++i) {
    if (i == 10)
      ledger.set_choice("t10.example", "gpc", false, "popup");
    else
      ledger.append({signals("t" + std::to_string(i) + ".example", i)});
  }
  REQUIRE(ledger.verify().ok);
}

void flip_byte(const fs::path& db, std::int64_t seq, const char* column, int index) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  const std::string q = std::string("SELECT ") + column + " FROM records WHERE seq = ?";
  sqlite3_prepare_v2(h, q.c_str(), -1, &st, nullptr);
  sqlite3_bind_int64(st, 1, seq);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st, 0));
  std::vector<unsigned char> blob(p, p + sqlite3_column_bytes(st, 0));
  sqlite3_finalize(st);
  blob.at(static_cast<std::size_t>(index)) ^= 0x01;
  const std::string u = std::string("UPDATE records SET ") + column + " = ? WHERE seq = ?";
  sqlite3_prepare_v2(h, u.c_str(), -1, &st, nullptr);
  sqlite3_bind_blob(st, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, seq);
  REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(h);
}

VerifyResult verify(const TempHome& home) {
  Ledger ledger(home.path(), test_options());
  return ledger.verify();
}
}  // namespace

TEST_CASE("tampering: an untouched ledger verifies") {
  TempHome home;
  make_ledger(home);
  const auto v = verify(home);
  CHECK(v.ok);
  CHECK(v.records == 20);
  CHECK_FALSE(v.first_bad_seq);
}

TEST_CASE("tampering: deleting a row is found at its seq") {
  TempHome home;
  make_ledger(home);
  raw_sql(home / "ledger.db", "DELETE FROM records WHERE seq = 7");
  const auto v = verify(home);
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == 7);
  INFO(v.message);
  CHECK(v.message.find("missing") != std::string::npos);
}

TEST_CASE("tampering: a flipped ciphertext byte is found at its seq") {
  TempHome home;
  make_ledger(home);
  flip_byte(home / "ledger.db", 5, "ct", 3);
  const auto v = verify(home);
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == 5);
  // Listing refuses the altered record too.
  Ledger ledger(home.path(), test_options());
  CHECK_THROWS_AS(ledger.list({}, [](const Record&) { return true; }), optguard::Error);
}

TEST_CASE("tampering: a flipped nonce or link byte is found at its seq") {
  TempHome home;
  make_ledger(home);
  flip_byte(home / "ledger.db", 12, "link", 0);
  CHECK(verify(home).first_bad_seq == 12);
  flip_byte(home / "ledger.db", 4, "nonce", 10);
  CHECK(verify(home).first_bad_seq == 4);
}

TEST_CASE("tampering: swapping two rows is found at the lower seq") {
  TempHome home;
  make_ledger(home);
  raw_sql(home / "ledger.db",
          "UPDATE records SET seq = -3 WHERE seq = 3; UPDATE records SET seq = 3 WHERE seq = 9;"
          "UPDATE records SET seq = 9 WHERE seq = -3;");
  const auto v = verify(home);
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == 3);
}

TEST_CASE("tampering: swapping two rows' contents (keeping seq) is found at the lower seq") {
  TempHome home;
  make_ledger(home);
  raw_sql(home / "ledger.db",
          "CREATE TEMP TABLE t AS SELECT * FROM records WHERE seq IN (6, 15);"
          "UPDATE records SET time = (SELECT time FROM t WHERE seq = 15), tag = (SELECT tag FROM t "
          "WHERE seq = 15),"
          " nonce = (SELECT nonce FROM t WHERE seq = 15), ct = (SELECT ct FROM t WHERE seq = 15),"
          " link = (SELECT link FROM t WHERE seq = 15) WHERE seq = 6;"
          "UPDATE records SET time = (SELECT time FROM t WHERE seq = 6), tag = (SELECT tag FROM t "
          "WHERE seq = 6),"
          " nonce = (SELECT nonce FROM t WHERE seq = 6), ct = (SELECT ct FROM t WHERE seq = 6),"
          " link = (SELECT link FROM t WHERE seq = 6) WHERE seq = 15;");
  CHECK(verify(home).first_bad_seq == 6);
}

TEST_CASE("tampering: changing a record's time is found at its seq") {
  TempHome home;
  make_ledger(home);
  raw_sql(home / "ledger.db", "UPDATE records SET time = time - 86400000 WHERE seq = 4");
  CHECK(verify(home).first_bad_seq == 4);
}

TEST_CASE("tampering: moving a record to another site tag is found") {
  TempHome home;
  make_ledger(home);
  raw_sql(home / "ledger.db",
          "UPDATE records SET tag = (SELECT tag FROM records WHERE seq = 2) WHERE seq = 8");
  CHECK(verify(home).first_bad_seq == 8);
}

TEST_CASE("tampering: truncating the tail is found by the signed head") {
  TempHome home;
  make_ledger(home);
  raw_sql(home / "ledger.db", "DELETE FROM records WHERE seq > 17");
  const auto v = verify(home);
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == 18);
  CHECK(v.message.find("truncated") != std::string::npos);
}

TEST_CASE("tampering: deleting or forging the head is found") {
  TempHome home;
  make_ledger(home);
  SECTION("head deleted") {
    raw_sql(home / "ledger.db", "DELETE FROM head");
    CHECK(verify(home).first_bad_seq == 21);
  }
  SECTION("head rolled back to cover fewer records") {
    raw_sql(home / "ledger.db", "UPDATE head SET seq = 15, count = 15");
    const auto v = verify(home);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad_seq == 21);
  }
}

TEST_CASE("tampering: altering the encrypted state row is found") {
  TempHome home;
  make_ledger(home);
  raw_sql(home / "ledger.db", "UPDATE state SET seq = seq + 1");
  const auto v = verify(home);
  CHECK_FALSE(v.ok);
  Ledger ledger(home.path(), test_options());
  CHECK_THROWS_AS(ledger.state(), optguard::Error);
}
