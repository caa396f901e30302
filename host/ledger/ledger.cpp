#include "ledger/ledger.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <initializer_list>
#include <map>
#include <string_view>

#include "common/errors.hpp"
#include "ledger/record_fields.hpp"
#include "ledger/site.hpp"

namespace optguard::ledger {
namespace fs = std::filesystem;

namespace {
constexpr std::string_view kRecordAd = "optguard-record-v1";
constexpr std::string_view kChainLabel = "optguard-chain-v1";
constexpr std::string_view kHeadLabel = "optguard-head-v1";
constexpr std::string_view kStateAd = "optguard-state-v1";
constexpr std::string_view kReceiptLabel = "optguard-receipt-v1\n";

constexpr std::array kMigrations = {
    // version 1: the tables
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE records (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, tag BLOB,"
    "  nonce BLOB NOT NULL, ct BLOB NOT NULL, link BLOB NOT NULL);"
    "CREATE INDEX records_tag ON records(tag, seq);"
    "CREATE TABLE head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,"
    "  count INTEGER NOT NULL, link BLOB NOT NULL, time INTEGER NOT NULL, mac BLOB NOT NULL,"
    "  sig BLOB NOT NULL);"
    "CREATE TABLE state (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,"
    "  nonce BLOB NOT NULL, ct BLOB NOT NULL);",
    // version 2: date-range selection without a full scan
    "CREATE INDEX records_time ON records(time);",
};

Bytes record_ad(std::int64_t seq, ByteView tag) {
  Bytes ad;
  ad.reserve(kRecordAd.size() + 8 + tag.size());
  put_str(ad, kRecordAd);
  put_u64(ad, static_cast<std::uint64_t>(seq));
  put_bytes(ad, tag);
  return ad;
}

Bytes chain_message(std::int64_t seq, std::int64_t time, ByteView tag, ByteView nonce, ByteView ct,
                    ByteView prev) {
  Bytes m;
  m.reserve(kChainLabel.size() + 17 + tag.size() + nonce.size() + ct.size() + prev.size());
  put_str(m, kChainLabel);
  put_u64(m, static_cast<std::uint64_t>(seq));
  put_u64(m, static_cast<std::uint64_t>(time));
  m.push_back(static_cast<unsigned char>(tag.size()));
  put_bytes(m, tag);
  put_bytes(m, nonce);
  put_bytes(m, ct);
  put_bytes(m, prev);
  return m;
}

Bytes head_message(const Head& h) {
  Bytes m;
  put_str(m, kHeadLabel);
  put_u64(m, static_cast<std::uint64_t>(h.seq));
  put_u64(m, static_cast<std::uint64_t>(h.count));
  put_u64(m, static_cast<std::uint64_t>(h.time_ms));
  put_bytes(m, h.link);
  return m;
}

Bytes state_ad(std::int64_t seq) {
  Bytes ad;
  put_str(ad, kStateAd);
  put_u64(ad, static_cast<std::uint64_t>(seq));
  return ad;
}

bool bytes_equal(ByteView a, ByteView b) {
  return a.size() == b.size() && (a.empty() || sodium_memcmp(a.data(), b.data(), a.size()) == 0);
}

bool is_day(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0U, 1U, 2U, 3U, 5U, 6U, 8U, 9U}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// The key under which record_events merges the events of one kind, site and day (and
// category): the parts joined by newlines, which no part contains.
std::string event_key(std::initializer_list<std::string_view> parts) {
  std::string key;
  for (const std::string_view part : parts) {
    if (!key.empty()) key += '\n';
    key += part;
  }
  return key;
}

std::string today() {
  return iso_time(now_ms()).substr(0, 10);
}

[[noreturn]] void bad_event(std::size_t i, const std::string& what) {
  throw Error(ErrorCode::bad_params, "events[" + std::to_string(i) + "]: " + what);
}

std::string event_string(const Json& e, std::size_t i, const char* key) {
  const auto it = e.find(key);
  if (it == e.end() || !it->is_string())
    bad_event(i, std::string("`") + key + "` must be a string");
  return it->get<std::string>();
}

std::int64_t event_count(const Json& e, std::size_t i, const char* key, bool required) {
  const auto it = e.find(key);
  if (it == e.end()) {
    if (required) bad_event(i, std::string("`") + key + "` is required");
    return 0;
  }
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
    bad_event(i, std::string("`") + key + "` must be a non-negative integer");
  }
  return it->get<std::int64_t>();
}

std::string event_day(const Json& e, std::size_t i) {
  if (!e.contains("day")) return today();
  std::string d = event_string(e, i, "day");
  if (!is_day(d)) bad_event(i, "`day` must be YYYY-MM-DD");
  return d;
}

std::string event_site(const Json& e, std::size_t i) {
  const std::string s = event_string(e, i, "site");
  try {
    return registrable_domain(s);
  } catch (const Error& err) {
    bad_event(i, err.what());
  }
}

void make_owner_only_file(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    const int err = errno;
    throw Error(err == EROFS || err == EACCES ? ErrorCode::read_only : ErrorCode::io_error,
                "cannot create " + p.string() + ": " + std::strerror(err));
  }
  ::close(fd);
}
}  // namespace

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso_time(std::int64_t ms) {
  const auto secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[96];
  (void)std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                      static_cast<int>(ms % 1000));
  return buf;
}

std::int64_t parse_time(const std::string& s, bool end_of_day) {
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  char tail = 0;
  if (is_day(s) && std::sscanf(s.c_str(), "%4d-%2d-%2d", &y, &mo, &d) == 3) {
    if (end_of_day) {
      h = 23;
      mi = 59;
      sec = 59;
    }
  } else if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec,
                         &tail) >= 6) {
    // seconds resolution; a trailing Z (or fraction) is accepted as UTC
  } else {
    throw Error(ErrorCode::bad_params,
                "not a date: '" + s + "' (use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)");
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
    throw Error(ErrorCode::bad_params, "not a date: '" + s + "'");
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  const std::int64_t base = static_cast<std::int64_t>(::timegm(&tm)) * 1000;
  return base + ((end_of_day || tail != 0) ? 999 : 0);
}

Json Record::to_json() const {
  Json j{{"seq", seq}, {"time", iso_time(time_ms)}};
  for (const auto& [k, v] : payload.items()) j[k] = v;
  return j;
}

Json VerifyResult::to_json() const {
  return {
      {"ok", ok},
      {"records", records},
      {"first_bad_seq", first_bad_seq ? Json(*first_bad_seq) : Json(nullptr)},
      {"message", message},
      {"head",
       {{"seq", head_seq}, {"time", head_seq > 0 ? Json(iso_time(head_time_ms)) : Json(nullptr)}}}};
}

// ---------------------------------------------------------------------------------------
// Opening

void recover_rotation(const fs::path& home) {
  const fs::path pending = home / kNewKeyFile;
  std::error_code ec;
  if (!fs::exists(pending, ec)) return;
  const fs::path db = home / kDbFile;
  std::string db_key_id;
  if (fs::exists(db, ec)) {
    sql::Db d(db, SQLITE_OPEN_READWRITE);
    sqlite3_busy_timeout(d.get(), 10000);
    sql::Stmt st(d, "SELECT value FROM meta WHERE name = 'key_id'");
    if (st.step()) db_key_id = st.text(0);
  }
  KeyFileInfo next;
  try {
    next = read_key_info(pending);
  } catch (const Error&) {
    // A half-written new key file: the rotation never reached its commit.
    fs::remove(pending, ec);
    return;
  }
  if (!db_key_id.empty() && db_key_id == next.key_id) {
    // The database was committed under the new key: finish by installing it.
    if (::rename(pending.c_str(), (home / kKeyFile).c_str()) != 0 && errno != ENOENT) {
      throw Error(ErrorCode::io_error, "cannot finish the key rotation: rename " +
                                           pending.string() + ": " + std::strerror(errno));
    }
  } else {
    fs::remove(pending, ec);  // crashed before the commit: the old key and data stand
  }
  sync_dir(home);
}

Ledger::Ledger(fs::path home, LedgerOptions options)
    : home_(std::move(home)), options_(std::move(options)) {
  ensure_sodium();
  std::error_code ec;
  const bool db_exists = fs::exists(db_path(), ec) && fs::file_size(db_path(), ec) > 0;
  const bool key_exists = fs::exists(key_path(), ec) || fs::exists(home_ / kNewKeyFile, ec);
  if (db_exists && !key_exists) {
    throw Error(
        ErrorCode::key_missing,
        "the ledger " + db_path().string() + " exists but its key " + key_path().string() +
            " is missing. Restore the key from your backup (optguard key backup made one); "
            "optguard will not make a new key, which would lose the ledger. The database was "
            "not changed.");
  }
  if (db_exists || key_exists) recover_rotation(home_);
  if (!fs::exists(key_path(), ec)) {
    if (!options_.create_if_missing)
      throw Error(ErrorCode::not_found, "no ledger in " + home_.string());
    const SecretBytes master = random_master_key();
    write_key(key_path(), master, nullptr, options_.kdf);
  }
  load_keys();
  open_db(!db_exists);
}

void Ledger::load_keys() {
  const SecretBytes master = load_key(key_path(), options_.passphrase);
  keys_ = std::make_unique<KeySet>(master);
}

bool Ledger::key_wrapped() const {
  return read_key_info(key_path()).wrapped;
}

void Ledger::open_db(bool create) {
  if (create) make_owner_only_file(db_path());
  db_ = sql::Db(db_path(), SQLITE_OPEN_READWRITE);
  sqlite3_busy_timeout(db_.get(), options_.busy_timeout_ms);
  // Read the version before changing anything: a newer or foreign file is left untouched.
  int version = 0;
  {
    sql::Stmt st(db_, "PRAGMA user_version");
    if (st.step()) version = static_cast<int>(st.int64(0));
  }
  if (version > kSchemaVersion) {
    throw Error(ErrorCode::ledger_too_new,
                db_path().string() + " has schema version " + std::to_string(version) +
                    ", newer than this optguard understands (" + std::to_string(kSchemaVersion) +
                    "): update optguard. The database was not changed.");
  }
  if (version == 0 && !create) {
    sql::Stmt st(db_, "SELECT count(*) FROM sqlite_master");
    if (st.step() && st.int64(0) > 0) {
      throw Error(ErrorCode::ledger_corrupt,
                  db_path().string() + " is an SQLite database but not an optguard ledger");
    }
  }
  db_.exec("PRAGMA journal_mode=WAL");
  db_.exec("PRAGMA synchronous=FULL");
  db_.exec("PRAGMA secure_delete=ON");
  db_.exec("PRAGMA temp_store=MEMORY");
  if (options_.max_page_count) {
    db_.exec(("PRAGMA max_page_count=" + std::to_string(*options_.max_page_count)).c_str());
  }
  migrate();
  check_key_current();
}

void Ledger::migrate() {
  sql::WriteTxn txn(db_);
  int version = 0;
  {
    sql::Stmt st(db_, "PRAGMA user_version");
    if (st.step()) version = static_cast<int>(st.int64(0));
  }
  if (version > kSchemaVersion) {
    throw Error(ErrorCode::ledger_too_new,
                db_path().string() + " was upgraded by a newer optguard");
  }
  if (version == kSchemaVersion) return;  // rolled back: nothing to do
  const bool fresh = version == 0;
  for (int v = version; v < kSchemaVersion; ++v) db_.exec(kMigrations[static_cast<std::size_t>(v)]);
  db_.exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
  if (fresh) {
    sql::Stmt meta(db_, "INSERT INTO meta(name, value) VALUES (?, ?)");
    meta.bind(1, "key_id").bind(2, keys_->key_id());
    meta.step();
    meta.reset();
    meta.bind(1, "ledger_id").bind(2, to_hex(random_bytes(16)));
    meta.step();
    meta.reset();
    meta.bind(1, "created_ms").bind(2, now_ms());
    meta.step();
    Head h;
    h.time_ms = now_ms();
    write_head(h);
    write_state_row(State::defaults(), 0);
  }
  txn.commit();
}

// Inside a transaction: the database must be keyed by our key. Another process may have
// rotated the key since we loaded ours: reload then (after finishing its rotation if needed).
void Ledger::check_key_current() {
  std::string db_key_id;
  {
    sql::Stmt st(db_, "SELECT value FROM meta WHERE name = 'key_id'");
    if (!st.step())
      throw Error(ErrorCode::ledger_corrupt, db_path().string() + " has no key id: not a ledger");
    db_key_id = st.text(0);
  }
  if (db_key_id == keys_->key_id()) return;
  recover_rotation(home_);
  const KeyFileInfo info = read_key_info(key_path());
  if (info.key_id == db_key_id) {
    load_keys();
    return;
  }
  throw Error(ErrorCode::wrong_key, "the key " + key_path().string() + " (id " + info.key_id +
                                        ") does not belong to the ledger " + db_path().string() +
                                        " (made with key " + db_key_id +
                                        "). Restore the right key file from your backup.");
}

std::string Ledger::ledger_id() {
  sql::Stmt st(db_, "SELECT value FROM meta WHERE name = 'ledger_id'");
  return st.step() ? st.text(0) : std::string();
}

// ---------------------------------------------------------------------------------------
// Head and state rows

Head Ledger::read_head(bool check_mac) {
  sql::Stmt st(db_, "SELECT seq, count, link, time, mac FROM head WHERE id = 1");
  if (!st.step()) {
    throw Error(ErrorCode::ledger_corrupt,
                "the ledger head is missing: run `optguard ledger verify`");
  }
  Head h;
  h.seq = st.int64(0);
  h.count = st.int64(1);
  const ByteView link = st.blob(2);
  h.link.assign(link.begin(), link.end());
  h.time_ms = st.int64(3);
  if (check_mac && !bytes_equal(st.blob(4), keys_->chain_mac(head_message(h)))) {
    throw Error(ErrorCode::ledger_corrupt,
                "the ledger head does not authenticate (the file was altered): run `optguard "
                "ledger verify`");
  }
  return h;
}

void Ledger::write_head(const Head& h) {
  const Bytes msg = head_message(h);
  sql::Stmt st(db_,
               "INSERT OR REPLACE INTO head(id, seq, count, link, time, mac, sig) VALUES (1, ?, ?, "
               "?, ?, ?, ?)");
  st.bind(1, h.seq).bind(2, h.count).bind(3, ByteView(h.link)).bind(4, h.time_ms);
  st.bind(5, ByteView(keys_->chain_mac(msg))).bind(6, ByteView(keys_->sign(msg)));
  st.step();
}

State Ledger::read_state_row() {
  sql::Stmt st(db_, "SELECT seq, nonce, ct FROM state WHERE id = 1");
  if (!st.step()) throw Error(ErrorCode::ledger_corrupt, "the ledger state row is missing");
  std::string plain;
  const Bytes ad = state_ad(st.int64(0));
  if (!keys_->open_state(st.blob(2), ad, st.blob(1), plain)) {
    throw Error(ErrorCode::ledger_corrupt,
                "the current choices do not decrypt (the file was altered)");
  }
  WipedString wiped(std::move(plain));
  try {
    return State::from_json(Json::parse(wiped.str()));
  } catch (const Json::exception&) {
    throw Error(ErrorCode::ledger_corrupt, "the current choices are malformed");
  }
}

void Ledger::write_state_row(const State& s, std::int64_t seq) {
  const WipedString plain(s.to_json().dump());
  const Bytes nonce = random_bytes(kNonceBytes);
  const Bytes ct = keys_->seal_state(plain.str(), state_ad(seq), nonce);
  sql::Stmt st(db_, "INSERT OR REPLACE INTO state(id, seq, nonce, ct) VALUES (1, ?, ?, ?)");
  st.bind(1, seq).bind(2, ByteView(nonce)).bind(3, ByteView(ct));
  st.step();
}

// ---------------------------------------------------------------------------------------
// Writing

std::int64_t Ledger::append_in_txn(const std::vector<NewRecord>& records, Head& h) {
  const std::int64_t first = h.seq + 1;
  sql::Stmt ins(db_,
                "INSERT INTO records(seq, time, tag, nonce, ct, link) VALUES (?, ?, ?, ?, ?, ?)");
  const std::int64_t t = now_ms();
  for (const auto& r : records) {
    const std::int64_t seq = h.seq + 1;
    const Bytes tag = r.site.empty() ? Bytes{} : keys_->site_tag(r.site);
    const Bytes nonce = random_bytes(kNonceBytes);
    const WipedString plain(r.payload.dump());
    const Bytes ct = keys_->seal_record(plain.str(), record_ad(seq, tag), nonce);
    Bytes link = keys_->chain_mac(chain_message(seq, t, tag, nonce, ct, h.link));
    ins.bind(1, seq).bind(2, t);
    if (tag.empty())
      ins.bind_null(3);
    else
      ins.bind(3, ByteView(tag));
    ins.bind(4, ByteView(nonce)).bind(5, ByteView(ct)).bind(6, ByteView(link));
    ins.step();
    ins.reset();
    h.seq = seq;
    h.count += 1;
    h.link = std::move(link);
  }
  h.time_ms = t;
  write_head(h);
  return first;
}

std::int64_t Ledger::append(const std::vector<NewRecord>& records) {
  if (records.empty()) return 0;
  sql::WriteTxn txn(db_);
  check_key_current();
  Head h = read_head(true);
  const std::int64_t first = append_in_txn(records, h);
  txn.commit();
  return first;
}

std::pair<std::int64_t, State> Ledger::set_choice(const std::string& site_in,
                                                  const std::string& key, std::optional<bool> value,
                                                  const std::string& source) {
  if (!is_choice_key(key)) throw Error(ErrorCode::bad_params, "unknown choice key '" + key + "'");
  if (!is_source(source)) {
    throw Error(ErrorCode::bad_params,
                "unknown source '" + source + "' (popup, options, cli, policy, default)");
  }
  const std::string site = site_in.empty() ? std::string() : registrable_domain(site_in);
  if (site.empty() && !value) throw Error(ErrorCode::bad_params, "a global choice needs a value");
  sql::WriteTxn txn(db_);
  check_key_current();
  Head h = read_head(true);
  State st = read_state_row();
  const std::optional<bool> old = st.get(site, key);
  Json payload{{"type", "choice"},
               {"scope", site.empty() ? "global" : "site"},
               {"key", key},
               {"old", old ? Json(*old) : Json(nullptr)},
               {"new", value ? Json(*value) : Json(nullptr)},
               {"source", source}};
  if (!site.empty()) payload["site"] = site;
  const std::int64_t seq = append_in_txn({NewRecord{site, std::move(payload)}}, h);
  st.set(site, key, value);
  write_state_row(st, seq);
  txn.commit();
  return {seq, std::move(st)};
}

std::int64_t Ledger::record_events(const Json& events) {
  if (!events.is_array()) throw Error(ErrorCode::bad_params, "`events` must be an array");
  // Sum events that share (type, site, day[, category]); keep first-seen order.
  std::vector<NewRecord> out;
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Json& e = events[i];
    if (!e.is_object()) bad_event(i, "must be an object");
    const std::string type = event_string(e, i, "type");
    if (type == "signals") {
      const std::string site = event_site(e, i);
      const std::string day = event_day(e, i);
      const std::int64_t gpc = event_count(e, i, "gpc", false);
      const std::int64_t dnt = event_count(e, i, "dnt", false);
      const std::string k = event_key({"signals", site, day});
      if (const auto it = index.find(k); it != index.end()) {
        Json& p = out[it->second].payload;
        p["gpc"] = p["gpc"].get<std::int64_t>() + gpc;
        p["dnt"] = p["dnt"].get<std::int64_t>() + dnt;
      } else {
        index.emplace(k, out.size());
        out.push_back(
            {site, {{"type", type}, {"site", site}, {"day", day}, {"gpc", gpc}, {"dnt", dnt}}});
      }
    } else if (type == "blocked") {
      const std::string site = event_site(e, i);
      const std::string day = event_day(e, i);
      const std::string cat = event_string(e, i, "category");
      if (cat != "advertising" && cat != "tracking" && cat != "social" && cat != "custom" &&
          cat != "learned") {
        bad_event(i, "unknown category '" + cat + "'");
      }
      const std::int64_t count = event_count(e, i, "count", true);
      Json hosts = Json::object();
      if (const auto h = e.find("hosts"); h != e.end()) {
        if (!h->is_object()) bad_event(i, "`hosts` must be an object of counts");
        for (const auto& [host, n] : h->items()) {
          if (!n.is_number_integer() || n.get<std::int64_t>() < 0)
            bad_event(i, "`hosts` counts must be integers");
          hosts[host] = n;
        }
      }
      const std::string k = event_key({"blocked", site, day, cat});
      if (const auto it = index.find(k); it != index.end()) {
        Json& p = out[it->second].payload;
        p["count"] = p["count"].get<std::int64_t>() + count;
        for (const auto& [host, n] : hosts.items()) {
          p["hosts"][host] = p["hosts"].value(host, std::int64_t{0}) + n.get<std::int64_t>();
        }
      } else {
        index.emplace(k, out.size());
        out.push_back({site,
                       {{"type", type},
                        {"site", site},
                        {"day", day},
                        {"category", cat},
                        {"count", count},
                        {"hosts", hosts}}});
      }
    } else if (type == "gpc_json") {
      const std::string site = event_site(e, i);
      const std::string day = event_day(e, i);
      const std::string status = event_string(e, i, "status");
      if (status != "found" && status != "absent" && status != "error")
        bad_event(i, "unknown status '" + status + "'");
      Json decl = e.value("declaration", Json(nullptr));
      if (!decl.is_null() && !decl.is_object())
        bad_event(i, "`declaration` must be an object or null");
      out.push_back({site,
                     {{"type", type},
                      {"site", site},
                      {"day", day},
                      {"status", status},
                      {"declaration", decl}}});
    } else if (type == "browser_setting") {
      const std::string key = event_string(e, i, "key");
      if (!is_browser_key(key)) bad_event(i, "unknown browser setting '" + key + "'");
      const std::string action = event_string(e, i, "action");
      if (action != "applied" && action != "overridden" && action != "reapplied" &&
          action != "not_controllable") {
        bad_event(i, "unknown action '" + action + "'");
      }
      const auto v = e.find("value");
      if (v == e.end() || !v->is_boolean()) bad_event(i, "`value` must be a boolean");
      out.push_back({"",
                     {{"type", type},
                      {"key", key},
                      {"action", action},
                      {"value", *v},
                      {"day", event_day(e, i)}}});
    } else {
      bad_event(i,
                "unknown event type '" + type + "' (signals, blocked, gpc_json, browser_setting)");
    }
  }
  append(out);
  return static_cast<std::int64_t>(out.size());
}

// ---------------------------------------------------------------------------------------
// Reading

State Ledger::state() {
  sql::ReadTxn txn(db_);
  check_key_current();
  return read_state_row();
}

Head Ledger::head() {
  sql::ReadTxn txn(db_);
  return read_head(true);
}

std::int64_t Ledger::count() {
  sql::Stmt st(db_, "SELECT count(*) FROM records");
  st.step();
  return st.int64(0);
}

void Ledger::checkpoint() {
  db_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

void Ledger::list(const Selection& sel, const std::function<bool(const Record&)>& sink) {
  sql::ReadTxn txn(db_);
  check_key_current();
  std::string q = "SELECT seq, time, tag, nonce, ct FROM records WHERE seq > ?1";
  Bytes tag;
  if (sel.site) {
    tag = keys_->site_tag(registrable_domain(*sel.site));
    q += " AND tag = ?2";
  }
  if (sel.since_ms) q += " AND time >= ?3";
  if (sel.until_ms) q += " AND time <= ?4";
  q += " ORDER BY seq";
  sql::Stmt st(db_, q);
  st.bind(1, sel.after_seq);
  if (sel.site) st.bind(2, ByteView(tag));
  if (sel.since_ms) st.bind(3, *sel.since_ms);
  if (sel.until_ms) st.bind(4, *sel.until_ms);
  std::string plain;
  while (st.step()) {
    Record r;
    r.seq = st.int64(0);
    r.time_ms = st.int64(1);
    if (!keys_->open_record(st.blob(4), record_ad(r.seq, st.blob(2)), st.blob(3), plain)) {
      throw Error(ErrorCode::ledger_corrupt,
                  "record " + std::to_string(r.seq) +
                      " does not decrypt (the file was altered): run `optguard ledger verify`");
    }
    r.payload = Json::parse(plain, nullptr, false);
    sodium_memzero(plain.data(), plain.size());
    if (!r.payload.is_object())
      throw Error(ErrorCode::ledger_corrupt, "record " + std::to_string(r.seq) + " is malformed");
    if (sel.type && r.payload.value("type", "") != *sel.type) continue;
    if (!sink(r)) break;
  }
}

VerifyResult Ledger::verify() {
  VerifyResult res;
  sql::ReadTxn txn(db_);
  check_key_current();
  auto fail = [&res](std::optional<std::int64_t> seq, std::string msg) {
    if (!res.ok) return;
    res.ok = false;
    res.first_bad_seq = seq;
    res.message = std::move(msg);
  };
  State replay = State::defaults();
  Bytes prev(kLinkBytes, 0);
  std::int64_t expected = 1;
  std::string plain;
  {
    sql::Stmt st(db_, "SELECT seq, time, tag, nonce, ct, link FROM records ORDER BY seq");
    while (st.step() && res.ok) {
      const std::int64_t seq = st.int64(0);
      const std::int64_t time = st.int64(1);
      const ByteView tag = st.blob(2), nonce = st.blob(3), ct = st.blob(4), link = st.blob(5);
      ++res.records;
      if (seq != expected) {
        fail(expected, "record " + std::to_string(expected) +
                           " is missing (the next present record is " + std::to_string(seq) + ")");
        break;
      }
      if (!keys_->open_record(ct, record_ad(seq, tag), nonce, plain)) {
        fail(seq, "record " + std::to_string(seq) +
                      " does not decrypt: altered, moved or from another ledger");
        break;
      }
      std::optional<RecordFields> p = read_record_fields(plain);
      sodium_memzero(plain.data(), plain.size());
      if (!p || p->type.empty()) {
        fail(seq, "record " + std::to_string(seq) + " is malformed");
        break;
      }
      const std::string& site = p->site;
      if (!bytes_equal(tag, site.empty() ? Bytes{} : keys_->site_tag(site))) {
        fail(seq, "record " + std::to_string(seq) + " has a site tag that does not match its site");
        break;
      }
      if (!bytes_equal(link, keys_->chain_mac(chain_message(seq, time, tag, nonce, ct, prev)))) {
        fail(seq, "record " + std::to_string(seq) +
                      " breaks the chain (altered time, order or a record before it)");
        break;
      }
      if (p->type == "choice") replay.set(site, p->key, p->new_value);
      prev.assign(link.begin(), link.end());
      ++expected;
    }
  }
  const std::int64_t last = expected - 1;
  if (res.ok) {
    sql::Stmt st(db_, "SELECT seq, count, link, time, mac, sig FROM head WHERE id = 1");
    if (!st.step()) {
      fail(last + 1, "the signed head is missing: records after " + std::to_string(last) +
                         " may have been removed");
    } else {
      Head h;
      h.seq = st.int64(0);
      h.count = st.int64(1);
      const ByteView hl = st.blob(2);
      h.link.assign(hl.begin(), hl.end());
      h.time_ms = st.int64(3);
      res.head_seq = h.seq;
      res.head_time_ms = h.time_ms;
      const Bytes msg = head_message(h);
      if (!bytes_equal(st.blob(4), keys_->chain_mac(msg)) ||
          !verify_signature(msg, st.blob(5), keys_->public_key())) {
        fail(last + 1, "the signed head does not authenticate: it was altered");
      } else if (h.seq > last) {
        fail(last + 1, "the ledger was truncated: the signed head covers records up to " +
                           std::to_string(h.seq) + " but the last record is " +
                           std::to_string(last));
      } else if (h.seq < last) {
        fail(h.seq + 1, "records after the signed head (" + std::to_string(h.seq) +
                            ") were added outside optguard");
      } else if (h.count != res.records || !bytes_equal(h.link, prev)) {
        fail(last, "the signed head does not match the last record");
      }
    }
  }
  if (res.ok) {
    try {
      if (!(read_state_row() == replay))
        fail(std::nullopt, "the current-choices row differs from the recorded choices");
    } catch (const Error& e) {
      fail(std::nullopt, e.what());
    }
  }
  if (res.ok) {
    res.message = "ledger intact: " + std::to_string(res.records) +
                  " records, chain and signed head verified";
  }
  return res;
}

// ---------------------------------------------------------------------------------------
// Receipts

namespace {
std::string receipt_signing_text(const Json& receipt) {
  Json body = receipt;
  body.erase("signature");
  return std::string(kReceiptLabel) + body.dump();
}
}  // namespace

Json Ledger::export_receipt(const Selection& sel) {
  Json records = Json::array();
  sql::ReadTxn txn(db_);  // records and head from one snapshot (list joins this transaction)
  const Head h = read_head(true);
  list(sel, [&](const Record& r) {
    if (r.seq > h.seq) return false;
    records.push_back(r.to_json());
    return true;
  });
  Json selection = Json::object();
  if (sel.site) selection["site"] = registrable_domain(*sel.site);
  if (sel.since_ms) selection["since"] = iso_time(*sel.since_ms);
  if (sel.until_ms) selection["until"] = iso_time(*sel.until_ms);
  if (sel.type) selection["type"] = *sel.type;
  Json receipt{
      {"format", "optguard-receipt"},
      {"version", 1},
      {"created", iso_time(now_ms())},
      {"ledger_id", ledger_id()},
      {"selection", selection},
      {"records", records},
      {"chain",
       {{"first_seq", records.empty() ? Json(nullptr) : records.front()["seq"]},
        {"last_seq", records.empty() ? Json(nullptr) : records.back()["seq"]},
        {"head",
         {{"seq", h.seq},
          {"count", h.count},
          {"time_ms", h.time_ms},
          {"link", to_hex(h.link)},
          {"signature", to_base64(keys_->sign(head_message(h)))}}}}},
      {"public_key", to_base64(keys_->public_key())},
  };
  const std::string text = receipt_signing_text(receipt);
  receipt["signature"] = to_base64(
      keys_->sign(ByteView(reinterpret_cast<const unsigned char*>(text.data()), text.size())));
  return receipt;
}

VerifyResult verify_receipt(const Json& receipt, const std::string& expected_public_key) {
  VerifyResult res;
  auto bad = [&res](std::string m) {
    res.ok = false;
    res.message = std::move(m);
    return res;
  };
  try {
    if (!receipt.is_object() || receipt.value("format", "") != "optguard-receipt")
      return bad("not an optguard receipt");
    if (receipt.value("version", 0) != 1) return bad("a receipt of an unknown version");
    const std::string pk_b64 = receipt.at("public_key").get<std::string>();
    if (!expected_public_key.empty() && pk_b64 != expected_public_key) {
      return bad("the receipt is signed by another key than the one expected");
    }
    const Bytes pk = from_base64(pk_b64);
    const Bytes sig = from_base64(receipt.at("signature").get<std::string>());
    const std::string text = receipt_signing_text(receipt);
    if (!verify_signature(
            ByteView(reinterpret_cast<const unsigned char*>(text.data()), text.size()), sig, pk)) {
      return bad(
          "the receipt signature is not valid: the receipt was altered or not signed by this key");
    }
    const Json& hj = receipt.at("chain").at("head");
    Head h;
    h.seq = hj.at("seq").get<std::int64_t>();
    h.count = hj.at("count").get<std::int64_t>();
    h.time_ms = hj.at("time_ms").get<std::int64_t>();
    h.link = from_hex(hj.at("link").get<std::string>());
    if (!verify_signature(head_message(h), from_base64(hj.at("signature").get<std::string>()),
                          pk)) {
      return bad("the ledger head in the receipt is not validly signed");
    }
    std::int64_t prev = 0;
    for (const auto& r : receipt.at("records")) {
      const std::int64_t seq = r.at("seq").get<std::int64_t>();
      if (seq <= prev || seq > h.seq) {
        res.first_bad_seq = seq;
        return bad("record " + std::to_string(seq) + " is out of order or beyond the signed head");
      }
      prev = seq;
      ++res.records;
    }
    res.head_seq = h.seq;
    res.head_time_ms = h.time_ms;
    res.message =
        "receipt valid: " + std::to_string(res.records) + " records signed by key " + pk_b64;
    return res;
  } catch (const std::exception& e) {
    return bad(std::string("malformed receipt: ") + e.what());
  }
}

// ---------------------------------------------------------------------------------------
// Key management

void Ledger::rotate_key() {
  const SecretBytes master = random_master_key();
  auto next = std::make_unique<KeySet>(master);
  // 1. The new key, durably, beside the old one (under the same passphrase, if any). Until
  //    the database commits, recovery deletes it.
  write_key_like(key_path(), home_ / kNewKeyFile, master, options_.passphrase);
  try {
    // 2. One write transaction re-encrypts every record, the chain, the head and the state.
    sql::WriteTxn txn(db_);
    check_key_current();
    const VerifyResult v = verify();  // nested reads see the same transaction
    if (!v.ok)
      throw Error(ErrorCode::ledger_corrupt,
                  "refusing to re-key a ledger that does not verify: " + v.message);
    const State st = read_state_row();
    std::vector<std::tuple<std::int64_t, std::int64_t, Bytes, Bytes, Bytes>>
        rows;  // seq, time, tag, nonce, ct
    {
      sql::Stmt sel(db_, "SELECT seq, time, tag, nonce, ct FROM records ORDER BY seq");
      std::string plain;
      while (sel.step()) {
        const std::int64_t seq = sel.int64(0);
        if (!keys_->open_record(sel.blob(4), record_ad(seq, sel.blob(2)), sel.blob(3), plain)) {
          throw Error(ErrorCode::ledger_corrupt,
                      "record " + std::to_string(seq) + " does not decrypt");
        }
        const Json p = Json::parse(plain);
        sodium_memzero(plain.data(), plain.size());
        const std::string site = p.value("site", "");
        const Bytes tag = site.empty() ? Bytes{} : next->site_tag(site);
        const Bytes nonce = random_bytes(kNonceBytes);
        const WipedString text(p.dump());
        rows.emplace_back(seq, sel.int64(1), tag, nonce,
                          next->seal_record(text.str(), record_ad(seq, tag), nonce));
      }
    }
    keys_ = std::move(next);
    Head h;
    {
      sql::Stmt upd(db_,
                    "UPDATE records SET tag = ?2, nonce = ?3, ct = ?4, link = ?5 WHERE seq = ?1");
      for (auto& [seq, time, tag, nonce, ct] : rows) {
        Bytes link = keys_->chain_mac(chain_message(seq, time, tag, nonce, ct, h.link));
        upd.bind(1, seq);
        if (tag.empty())
          upd.bind_null(2);
        else
          upd.bind(2, ByteView(tag));
        upd.bind(3, ByteView(nonce)).bind(4, ByteView(ct)).bind(5, ByteView(link));
        upd.step();
        upd.reset();
        h.seq = seq;
        h.count += 1;
        h.time_ms = time;
        h.link = std::move(link);
      }
    }
    h.time_ms = now_ms();
    write_head(h);
    write_state_row(st, h.seq);
    sql::Stmt meta(db_, "UPDATE meta SET value = ? WHERE name = 'key_id'");
    meta.bind(1, keys_->key_id());
    meta.step();
    txn.commit();  // the commit point: from here the new key is the ledger's key
  } catch (...) {
    std::error_code ec;
    fs::remove(home_ / kNewKeyFile, ec);
    load_keys();
    throw;
  }
  // 3. Install the new key (a crash before this is finished by recover_rotation on open).
  recover_rotation(home_);
}

void Ledger::set_passphrase(const std::optional<WipedString>& passphrase) {
  const SecretBytes master = load_key(key_path(), options_.passphrase);
  write_key(key_path(), master, passphrase ? &*passphrase : nullptr, options_.kdf);
}

void Ledger::backup_key(const fs::path& out) const {
  std::error_code ec;
  if (fs::exists(out, ec))
    throw Error(ErrorCode::io_error, out.string() + " exists: choose a new file name");
  const WipedString text = read_key_text(key_path());
  write_file_atomic(out, text.str());
}

}  // namespace optguard::ledger
