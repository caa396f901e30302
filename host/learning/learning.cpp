#include "learning/learning.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <system_error>
#include <utility>

#include "common/errors.hpp"
#include "common/log.hpp"
#include "filters/custom/atomic_file.hpp"
#include "ledger/site.hpp"

namespace optguard::learning {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS sightings(domain TEXT NOT NULL, site TEXT NOT NULL,"
    " first_seen INTEGER NOT NULL, url TEXT NOT NULL, PRIMARY KEY(domain, site)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS learned(domain TEXT PRIMARY KEY, learned_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS unlearned(domain TEXT PRIMARY KEY,"
    " unlearned_at INTEGER NOT NULL);";

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

Learner::Learner(std::filesystem::path home, int threshold)
    : home_(std::move(home)), threshold_(std::max(1, threshold)) {
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
  db_.exec("PRAGMA journal_mode=WAL");
  db_.exec("PRAGMA synchronous=FULL");
  {
    // A file that is not a database, or a damaged one, shows here (NOTADB / CORRUPT).
    ledger::sql::Stmt check(db_, "PRAGMA quick_check");
    if (check.step() && check.text(0) != "ok") {
      throw Error(ErrorCode::ledger_corrupt, "quick_check: " + check.text(0));
    }
  }
  db_.exec(kSchema);
}

std::string Learner::filter_for(const std::string& domain) {
  return "||" + domain + "^$third-party";
}

std::vector<std::string> Learner::sites_of(const std::string& domain) {
  ledger::sql::Stmt st(db_, "SELECT site FROM sightings WHERE domain = ?1 ORDER BY site");
  st.bind(1, domain);
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.text(0));
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
                           "INSERT OR IGNORE INTO sightings(domain, site, first_seen, url) "
                           "VALUES (?1, ?2, ?3, ?4)");
  for (std::size_t i = 0; i < observations.size(); ++i) {
    const auto& [domain, site] = keyed[i];
    if (domain == site || is_ip(domain) ||
        exists(db_, "SELECT 1 FROM unlearned WHERE domain = ?1", domain) ||
        exists(db_, "SELECT 1 FROM learned WHERE domain = ?1", domain)) {
      ++result.ignored;
      continue;
    }
    insert.reset();
    insert.bind(1, domain).bind(2, site).bind(3, now_ms).bind(
        4, std::string_view(observations[i].url).substr(0, kMaxUrl));
    insert.step();
    ++result.accepted;
    touched.insert(domain);
  }
  for (const auto& domain : touched) {
    auto sites = sites_of(domain);
    if (static_cast<int>(sites.size()) < threshold_) continue;
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
  ledger::sql::Stmt forget(db_, "DELETE FROM sightings WHERE domain = ?1");
  forget.bind(1, domain);
  forget.step();
  if (was.learned_at_ms != 0) write_list();
  txn.commit();
  return was;
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
