#include "learning/learning.hpp"

#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>
#include <utility>

#include "common/errors.hpp"
#include "common/log.hpp"
#include "filters/custom/atomic_file.hpp"
#include "ledger/site.hpp"

namespace optguard::learning {
namespace {

// Format 1 (encrypted; learning.hpp "Privacy"). `learned` and `unlearned` are unchanged
// from format 0, which kept sightings(domain, site, first_seen, url) in clear.
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sightings(domain_tag BLOB NOT NULL, site_tag BLOB NOT NULL,"
    " nonce BLOB NOT NULL, ct BLOB NOT NULL, PRIMARY KEY(domain_tag, site_tag)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS learned(domain TEXT PRIMARY KEY, learned_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS unlearned(domain TEXT PRIMARY KEY,"
    " unlearned_at INTEGER NOT NULL);";

constexpr std::string_view kAdPrefix = "optguard-learning-v1";

enum Subkey : std::uint64_t { kSealKey = 1, kTagKey = 2 };

void derive(ledger::SecretBytes& out, Subkey id, const ledger::SecretBytes& master) {
  static_assert(std::char_traits<char>::length(kKdfContext) == crypto_kdf_CONTEXTBYTES);
  if (master.size() != crypto_kdf_KEYBYTES ||
      crypto_kdf_derive_from_key(out.data(), out.size(), id, kKdfContext, master.data()) != 0) {
    throw Error(ErrorCode::internal, "cannot derive the learning keys from the master key");
  }
  out.lock_readonly();
}

ledger::Bytes ad_for(ledger::ByteView domain_tag, ledger::ByteView site_tag) {
  ledger::Bytes ad;
  ledger::put_str(ad, kAdPrefix);
  ledger::put_bytes(ad, domain_tag);
  ledger::put_bytes(ad, site_tag);
  return ad;
}

int user_version(const ledger::sql::Db& db) {
  ledger::sql::Stmt st(db, "PRAGMA user_version");
  return st.step() ? static_cast<int>(st.int64(0)) : 0;
}

bool has_table(const ledger::sql::Db& db, const char* name) {
  ledger::sql::Stmt st(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  st.bind(1, std::string_view(name));
  return st.step();
}

// Example URLs are kept for the user to see, not whole: a URL is cut here.
constexpr std::size_t kMaxUrl = 512;

bool is_ip(const std::string& h) {
  return h.find(':') != std::string::npos ||
         std::all_of(h.begin(), h.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// Only characters a filter's hostname anchor can carry (URL parsers hand out punycode).
bool filter_safe(const std::string& h) {
  return !h.empty() && h.front() != '.' && h.front() != '-' &&
         std::all_of(h.begin(), h.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                  c == '_';
         });
}

bool exists(const ledger::sql::Db& db, const char* sql, const std::string& domain) {
  ledger::sql::Stmt st(db, sql);
  st.bind(1, domain);
  return st.step();
}

}  // namespace

std::string normalize_domain(const std::string& host, const char* what) {
  if (host.empty()) throw Error(ErrorCode::bad_params, std::string("`") + what + "` is empty");
  std::string d;
  try {
    d = ledger::registrable_domain(host);
  } catch (const Error&) {
    throw Error(ErrorCode::bad_params,
                std::string("`") + what + "` is not a host name: '" + host + "'");
  }
  if (!is_ip(d) && !filter_safe(d)) {
    throw Error(ErrorCode::bad_params,
                std::string("`") + what + "` is not a host name: '" + host + "'");
  }
  return d;
}

Learner::Learner(std::filesystem::path home, const ledger::SecretBytes& master, int threshold)
    : home_(std::move(home)), threshold_(std::max(1, threshold)) {
  derive(seal_key_, kSealKey, master);
  derive(tag_key_, kTagKey, master);
  key_id_ = ledger::key_id_of(master);
  try {
    open();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::ledger_corrupt) throw;
    // Sightings can be gathered again; a damaged file must not stop blocking or browsing.
    db_.close();
    moved_aside_ = db_path();
    moved_aside_ += ".corrupt-" + std::to_string(::time(nullptr));
    std::error_code ec;
    std::filesystem::rename(db_path(), moved_aside_, ec);
    if (ec)
      throw Error(ErrorCode::io_error,
                  "cannot move the damaged " + db_path().string() + " aside: " + ec.message());
    for (const char* suffix : {"-wal", "-shm"}) {
      std::filesystem::remove(db_path().string() + suffix, ec);
    }
    log::warn("learning database was damaged (" + std::string(e.what()) + "); moved to " +
              moved_aside_.string() + ", starting a new one");
    open();
  }
}

void Learner::open() {
  db_ = ledger::sql::Db(db_path(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  std::error_code ec;
  std::filesystem::permissions(
      db_path(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  sqlite3_busy_timeout(db_.get(), 10000);
  // No temp files beside the database; freed pages (a deleted sighting, the migrated format-0
  // rows) are zeroed rather than left readable in the file.
  db_.exec("PRAGMA temp_store=MEMORY");
  db_.exec("PRAGMA secure_delete=ON");
  {
    // A file that is not a database, or a damaged one, shows here (NOTADB / CORRUPT).
    ledger::sql::Stmt check(db_, "PRAGMA quick_check");
    if (check.step() && check.text(0) != "ok") {
      throw Error(ErrorCode::ledger_corrupt, "quick_check: " + check.text(0));
    }
  }
  // Checked before anything is written: a newer or foreign-keyed file is left as it is.
  const int version = user_version(db_);
  if (version > kSchemaVersion) {
    throw Error(ErrorCode::ledger_too_new,
                db_path().string() + " has format " + std::to_string(version) +
                    ", newer than this optguard understands (" + std::to_string(kSchemaVersion) +
                    "): update optguard. The file was not changed.");
  }
  if (version == kSchemaVersion) {
    ledger::sql::Stmt st(db_, "SELECT value FROM meta WHERE name = 'key_id'");
    if (!st.step()) throw Error(ErrorCode::ledger_corrupt, db_path().string() + " has no key id");
    if (const std::string id = st.text(0); id != key_id_) {
      throw Error(ErrorCode::wrong_key,
                  db_path().string() + " was encrypted with the master key " + id +
                      ", but the ledger key is " + key_id_ +
                      " (a restored or rotated ledger.key?). Put back the key it was made with, "
                      "or move " +
                      db_path().string() +
                      " away to start learning anew. The file was not changed.");
    }
  }
  db_.exec("PRAGMA journal_mode=WAL");
  db_.exec("PRAGMA synchronous=FULL");
  if (version < kSchemaVersion) create_or_migrate();
}

void Learner::create_or_migrate() {
  struct Old {
    std::string domain, site, url;
    std::int64_t first_seen;
  };
  std::vector<Old> old;
  {
    ledger::sql::WriteTxn txn(db_);
    // Another host process may have done it meanwhile.
    if (user_version(db_) >= kSchemaVersion) {
      txn.commit();
      return;
    }
    if (has_table(db_, "sightings")) {
      ledger::sql::Stmt st(db_, "SELECT domain, site, url, first_seen FROM sightings");
      while (st.step()) old.push_back({st.text(0), st.text(1), st.text(2), st.int64(3)});
    }
    db_.exec("DROP TABLE IF EXISTS sightings");
    db_.exec(kSchema);
    ledger::sql::Stmt meta(db_, "INSERT OR REPLACE INTO meta(name, value) VALUES ('key_id', ?1)");
    meta.bind(1, key_id_);
    meta.step();
    ledger::sql::Stmt insert(db_,
                             "INSERT OR IGNORE INTO sightings(domain_tag, site_tag, nonce, ct) "
                             "VALUES (?1, ?2, ?3, ?4)");
    for (const auto& o : old) insert_sighting(insert, o.domain, o.site, o.url, o.first_seen);
    db_.exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
    txn.commit();
  }
  if (!old.empty()) {
    // The format-0 rows were zeroed in the WAL (secure_delete); rewrite the file and empty the
    // WAL so no copy of a site name stays on disk.
    db_.exec("VACUUM");
    db_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    log::info("learning database " + db_path().string() + ": migrated " +
              std::to_string(old.size()) +
              " sightings from the unencrypted format 0 to the encrypted format " +
              std::to_string(kSchemaVersion) + " (kept in place: the sightings and undos stay)");
  }
}

// BLAKE2b-128 with the tag key over the parts, each put_str-encoded, a 0 byte between them.
ledger::Bytes Learner::keyed_tag(std::initializer_list<std::string_view> parts) const {
  ledger::Bytes msg;
  bool first = true;
  for (const std::string_view part : parts) {
    if (!first) msg.push_back(0);
    first = false;
    ledger::put_str(msg, part);
  }
  ledger::Bytes tag(ledger::kTagBytes);
  crypto_generichash(tag.data(), tag.size(), msg.data(), msg.size(), tag_key_.data(),
                     tag_key_.size());
  return tag;
}

ledger::Bytes Learner::domain_tag(const std::string& domain) const {
  return keyed_tag({"domain", domain});
}

ledger::Bytes Learner::site_tag(const std::string& domain, const std::string& site) const {
  return keyed_tag({"site", domain, site});
}

void Learner::insert_sighting(ledger::sql::Stmt& insert, const std::string& domain,
                              const std::string& site, std::string_view url,
                              std::int64_t first_seen) {
  const auto dtag = domain_tag(domain);
  const auto stag = site_tag(domain, site);
  const std::string plain =
      nlohmann::json{{"site", site}, {"url", url.substr(0, kMaxUrl)}, {"first_seen", first_seen}}
          .dump();
  const auto nonce = ledger::random_bytes(ledger::kNonceBytes);
  const auto ad = ad_for(dtag, stag);
  ledger::Bytes ct(plain.size() + ledger::kAeadTagBytes);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      ct.data(), &len, reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
      ad.data(), ad.size(), nullptr, nonce.data(), seal_key_.data());
  ct.resize(static_cast<std::size_t>(len));
  insert.reset();
  insert.bind(1, ledger::ByteView(dtag))
      .bind(2, ledger::ByteView(stag))
      .bind(3, ledger::ByteView(nonce))
      .bind(4, ledger::ByteView(ct));
  insert.step();
}

std::string Learner::filter_for(const std::string& domain) {
  return "||" + domain + "^$third-party";
}

int Learner::count_sites(const std::string& domain) {
  ledger::sql::Stmt st(db_, "SELECT COUNT(*) FROM sightings WHERE domain_tag = ?1");
  const auto tag = domain_tag(domain);
  st.bind(1, ledger::ByteView(tag));
  return st.step() ? static_cast<int>(st.int64(0)) : 0;
}

std::vector<std::string> Learner::sites_of(const std::string& domain) {
  const auto dtag = domain_tag(domain);
  ledger::sql::Stmt st(db_, "SELECT site_tag, nonce, ct FROM sightings WHERE domain_tag = ?1");
  st.bind(1, ledger::ByteView(dtag));
  std::vector<std::string> out;
  while (st.step()) {
    const auto stag = st.blob(0);
    const auto nonce = st.blob(1);
    const auto ct = st.blob(2);
    const auto ad = ad_for(dtag, stag);
    std::string plain(ct.size() >= ledger::kAeadTagBytes ? ct.size() - ledger::kAeadTagBytes : 0,
                      '\0');
    unsigned long long len = 0;
    if (ct.size() < ledger::kAeadTagBytes || nonce.size() != ledger::kNonceBytes ||
        crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(plain.data()), &len, nullptr, ct.data(), ct.size(),
            ad.data(), ad.size(), nonce.data(), seal_key_.data()) != 0) {
      // A damaged row costs one site of one tracker, not learning: it is skipped.
      log::warn("learning database: a sighting of " + domain + " does not decrypt; skipped");
      continue;
    }
    plain.resize(static_cast<std::size_t>(len));
    const auto j = nlohmann::json::parse(plain, nullptr, false);
    if (j.is_object() && j.contains("site") && j["site"].is_string()) {
      out.push_back(j["site"].get<std::string>());
    }
    sodium_memzero(plain.data(), plain.size());
  }
  std::sort(out.begin(), out.end());
  return out;
}

ObserveResult Learner::observe(const std::vector<Observation>& observations, std::int64_t now_ms) {
  if (observations.size() > kMaxObservations) {
    throw Error(ErrorCode::bad_params,
                "more than " + std::to_string(kMaxObservations) + " observations in one call");
  }
  // Validate everything first: a bad observation records nothing.
  std::vector<std::pair<std::string, std::string>> keyed;
  keyed.reserve(observations.size());
  for (const auto& o : observations) {
    keyed.emplace_back(normalize_domain(o.domain, "domain"), normalize_domain(o.site, "site"));
  }
  ObserveResult result;
  std::set<std::string> touched;
  ledger::sql::WriteTxn txn(db_);
  ledger::sql::Stmt insert(db_,
                           "INSERT OR IGNORE INTO sightings(domain_tag, site_tag, nonce, ct) "
                           "VALUES (?1, ?2, ?3, ?4)");
  for (std::size_t i = 0; i < observations.size(); ++i) {
    const auto& [domain, site] = keyed[i];
    if (domain == site || is_ip(domain) ||
        exists(db_, "SELECT 1 FROM unlearned WHERE domain = ?1", domain) ||
        exists(db_, "SELECT 1 FROM learned WHERE domain = ?1", domain)) {
      ++result.ignored;
      continue;
    }
    insert_sighting(insert, domain, site, observations[i].url, now_ms);
    ++result.accepted;
    touched.insert(domain);
  }
  for (const auto& domain : touched) {
    if (count_sites(domain) < threshold_) continue;
    auto sites = sites_of(domain);
    ledger::sql::Stmt learn(db_, "INSERT INTO learned(domain, learned_at) VALUES (?1, ?2)");
    learn.bind(1, domain).bind(2, now_ms);
    learn.step();
    result.learned.push_back({domain, std::move(sites), now_ms});
  }
  // The list file follows the database: written before the commit, so a failure to write it
  // rolls the learning back (and it is learned again on the next sighting).
  if (!result.learned.empty()) write_list();
  txn.commit();
  return result;
}

std::vector<LearnedTracker> Learner::learned() {
  ledger::sql::ReadTxn txn(db_);
  std::vector<LearnedTracker> out;
  ledger::sql::Stmt st(db_, "SELECT domain, learned_at FROM learned ORDER BY domain");
  while (st.step()) out.push_back({st.text(0), {}, st.int64(1)});
  for (auto& t : out) t.sites = sites_of(t.domain);
  return out;
}

std::vector<std::string> Learner::unlearned() {
  std::vector<std::string> out;
  ledger::sql::Stmt st(db_, "SELECT domain FROM unlearned ORDER BY domain");
  while (st.step()) out.push_back(st.text(0));
  return out;
}

LearnedTracker Learner::unlearn(const std::string& domain_in, std::int64_t now_ms) {
  const std::string domain = normalize_domain(domain_in, "domain");
  ledger::sql::WriteTxn txn(db_);
  LearnedTracker was{domain, {}, 0};
  {
    ledger::sql::Stmt st(db_, "SELECT learned_at FROM learned WHERE domain = ?1");
    st.bind(1, domain);
    if (st.step()) {
      was.learned_at_ms = st.int64(0);
      was.sites = sites_of(domain);
    }
  }
  ledger::sql::Stmt del(db_, "DELETE FROM learned WHERE domain = ?1");
  del.bind(1, domain);
  del.step();
  ledger::sql::Stmt add(db_,
                        "INSERT OR REPLACE INTO unlearned(domain, unlearned_at) VALUES (?1, ?2)");
  add.bind(1, domain).bind(2, now_ms);
  add.step();
  // Sightings of an undone domain are of no further use.
  ledger::sql::Stmt forget(db_, "DELETE FROM sightings WHERE domain_tag = ?1");
  const auto dtag = domain_tag(domain);
  forget.bind(1, ledger::ByteView(dtag));
  forget.step();
  if (was.learned_at_ms != 0) write_list();
  txn.commit();
  return was;
}

std::filesystem::path Learner::set_aside_for_new_key(const std::filesystem::path& home) {
  const auto db_file = home / kDbFile;
  std::string key_id = "unknown";
  {
    // Fold the WAL in first: the file moved aside must hold every commit.
    ledger::sql::Db old(db_file, SQLITE_OPEN_READWRITE);
    sqlite3_busy_timeout(old.get(), 10000);
    old.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    ledger::sql::Stmt st(old, "SELECT value FROM meta WHERE name = 'key_id'");
    if (st.step()) key_id = st.text(0);
  }
  std::filesystem::path aside = db_file;
  aside += ".key-" + key_id;
  if (std::filesystem::exists(aside)) {
    aside += "-";  // two appends: "-" + to_string(...) trips GCC 12's -Wrestrict (bug 105329)
    aside += std::to_string(::time(nullptr));
  }
  std::error_code ec;
  std::filesystem::rename(db_file, aside, ec);
  if (ec) {
    throw Error(ErrorCode::io_error, "cannot move " + db_file.string() + " aside: " + ec.message());
  }
  for (const char* suffix : {"-wal", "-shm"})
    std::filesystem::remove(db_file.string() + suffix, ec);
  return aside;
}

int Learner::adopt_decisions(const std::filesystem::path& set_aside) {
  std::vector<std::pair<std::string, std::int64_t>> learned, unlearned;
  {
    ledger::sql::Db old(set_aside, SQLITE_OPEN_READONLY);
    ledger::sql::Stmt l(old, "SELECT domain, learned_at FROM learned");
    while (l.step()) learned.emplace_back(l.text(0), l.int64(1));
    ledger::sql::Stmt u(old, "SELECT domain, unlearned_at FROM unlearned");
    while (u.step()) unlearned.emplace_back(u.text(0), u.int64(1));
  }
  ledger::sql::WriteTxn txn(db_);
  ledger::sql::Stmt add_l(db_, "INSERT OR IGNORE INTO learned(domain, learned_at) VALUES (?1, ?2)");
  for (const auto& [d, t] : learned) {
    add_l.reset();
    add_l.bind(1, d).bind(2, t);
    add_l.step();
  }
  ledger::sql::Stmt add_u(db_,
                          "INSERT OR IGNORE INTO unlearned(domain, unlearned_at) VALUES (?1, ?2)");
  for (const auto& [d, t] : unlearned) {
    add_u.reset();
    add_u.bind(1, d).bind(2, t);
    add_u.step();
  }
  write_list();
  txn.commit();
  return static_cast<int>(learned.size() + unlearned.size());
}

void Learner::write_list() {
  std::string text =
      "! optguard learned trackers: written by the host from learning.db "
      "(docs/protocol.md, \"Learned trackers\"); undo one with learned_remove\n";
  ledger::sql::Stmt st(db_, "SELECT domain FROM learned ORDER BY domain");
  while (st.step()) text += filter_for(st.text(0)) + "\n";
  filters::write_file_atomically(list_path(), text);
}

}  // namespace optguard::learning
