// Key management: permissions, passphrases, wrong or missing keys.
#include <catch2/catch.hpp>

#include "common/errors.hpp"
#include "helpers.hpp"

using namespace optguard::ledger;
using namespace ledger_test;
using optguard::ErrorCode;

namespace {
ErrorCode open_error(const TempHome& home, const LedgerOptions& o) {
  try {
    Ledger ledger(home.path(), o);
  } catch (const optguard::Error& e) {
    return e.code();
  }
  FAIL("the ledger opened");
  return ErrorCode::internal;
}
}  // namespace

TEST_CASE("subkeys are deterministic per master key and distinct between keys") {
  const SecretBytes m1 = random_master_key();
  const SecretBytes m2 = random_master_key();
  const KeySet a(m1), a2(m1), b(m2);
  CHECK(a.key_id() == a2.key_id());
  CHECK(a.key_id() != b.key_id());
  CHECK(a.site_tag("example.com") == a2.site_tag("example.com"));
  CHECK(a.site_tag("example.com") != b.site_tag("example.com"));
  CHECK(a.site_tag("example.com") != a.site_tag("example.org"));
  const Bytes nonce = random_bytes(kNonceBytes);
  const Bytes ad{1, 2, 3};
  const Bytes ct = a.seal_record("hello", ad, nonce);
  std::string out;
  CHECK(a2.open_record(ct, ad, nonce, out));
  CHECK(out == "hello");
  CHECK_FALSE(b.open_record(ct, ad, nonce, out));
  const Bytes other_ad{1, 2, 4};
  CHECK_FALSE(a.open_record(ct, other_ad, nonce, out));
  CHECK_FALSE(a.open_state(ct, ad, nonce, out));  // the state key is another subkey
  const Bytes sig = a.sign(ad);
  CHECK(verify_signature(ad, sig, a.public_key()));
  CHECK_FALSE(verify_signature(other_ad, sig, a.public_key()));
  CHECK(from_base64(to_base64(ct)) == ct);
  CHECK(from_hex(to_hex(ct)) == ct);
}

TEST_CASE("a key file that others can read is refused, as ssh does") {
  TempHome home;
  { Ledger ledger(home.path(), test_options()); }
  std::filesystem::permissions(home / "ledger.key", std::filesystem::perms(0644));
  try {
    Ledger ledger(home.path(), test_options());
    FAIL("opened");
  } catch (const optguard::Error& e) {
    CHECK(e.code() == ErrorCode::unsafe_permissions);
    CHECK(std::string(e.what()).find("0644") != std::string::npos);
    CHECK(std::string(e.what()).find("chmod 600") != std::string::npos);
  }
  std::filesystem::permissions(home / "ledger.key", std::filesystem::perms(0600));
  CHECK_NOTHROW(Ledger(home.path(), test_options()));
}

TEST_CASE("a passphrase wraps the key; a wrong or missing passphrase is a clear error") {
  TempHome home;
  {
    Ledger ledger(home.path(), test_options());
    ledger.append({signals("p.example", 1)});
    ledger.set_passphrase(WipedString(std::string("correct horse")));
    CHECK(ledger.key_wrapped());
  }
  const std::string keytext = read_all(home / "ledger.key");
  CHECK(keytext.find("argon2id") != std::string::npos);
  CHECK(keytext.find("\"key\"") == std::string::npos);  // no plain key left in the file
  CHECK(open_error(home, test_options("wrong horse")) == ErrorCode::wrong_passphrase);
  CHECK(open_error(home, test_options()) == ErrorCode::passphrase_required);
  {
    Ledger ledger(home.path(), test_options("correct horse"));
    CHECK(ledger.verify().ok);
    CHECK(ledger.count() == 1);
    ledger.set_passphrase(std::nullopt);
    CHECK_FALSE(ledger.key_wrapped());
  }
  Ledger ledger(home.path(), test_options());
  CHECK(ledger.verify().ok);
}

TEST_CASE("a rotated passphrase-protected key stays protected by the same passphrase") {
  TempHome home;
  {
    Ledger ledger(home.path(), test_options("pw"));
    ledger.append({signals("p.example", 1)});
    ledger.set_passphrase(WipedString(std::string("pw")));
    ledger.rotate_key();
  }
  CHECK(open_error(home, test_options("nope")) == ErrorCode::wrong_passphrase);
  Ledger ledger(home.path(), test_options("pw"));
  CHECK(ledger.verify().ok);
}

TEST_CASE("the wrong key is refused and the database is untouched") {
  TempHome home;
  TempHome other;
  {
    Ledger ledger(home.path(), test_options());
    ledger.append({signals("w.example", 1)});
    ledger.checkpoint();
  }
  { Ledger ledger(other.path(), test_options()); }
  std::filesystem::remove(home / "ledger.key");
  std::filesystem::copy(other / "ledger.key", home / "ledger.key");
  const std::string before = read_all(home / "ledger.db");
  CHECK(open_error(home, test_options()) == ErrorCode::wrong_key);
  CHECK(read_all(home / "ledger.db") == before);
}

TEST_CASE("a missing key with a database present is an error, never a new key") {
  TempHome home;
  {
    Ledger ledger(home.path(), test_options());
    ledger.append({signals("k.example", 1)});
    ledger.checkpoint();
  }
  std::filesystem::remove(home / "ledger.key");
  const std::string before = read_all(home / "ledger.db");
  try {
    Ledger ledger(home.path(), test_options());
    FAIL("opened");
  } catch (const optguard::Error& e) {
    CHECK(e.code() == ErrorCode::key_missing);
    CHECK(std::string(e.what()).find("backup") != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(home / "ledger.key"));
  CHECK(read_all(home / "ledger.db") == before);
}

TEST_CASE("a damaged key file is a clear error") {
  TempHome home;
  { Ledger ledger(home.path(), test_options()); }
  write_all(home / "ledger.key",
            "{\"format\": \"optguard-ledger-key\", \"version\": 1, \"key_id\": \"00\", "
            "\"protection\": \"none\", \"key\": \"c2hvcnQ=\"}");
  std::filesystem::permissions(home / "ledger.key", std::filesystem::perms(0600));
  CHECK(open_error(home, test_options()) == ErrorCode::ledger_corrupt);
}
