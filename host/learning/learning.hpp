#pragma once
// Learned trackers (DESIGN.md feature 5, docs/protocol.md "Learned trackers").
//
// The extension reports third-party responses that look like tracking pixels (a tiny image
// or a no-content beacon whose URL carries an identifier, and that no list blocked) as
// observations {domain, site, url}: the tracker's registrable domain and the first-party
// site it was seen on. The Learner remembers the distinct first-party sites per domain in
// <home>/learning.db (SQLite) and learns a domain once it has been seen on `threshold`
// distinct sites (3, Privacy Badger's threshold: "Privacy Badger starts blocking once it
// sees the same tracker on three different websites", EFForg/privacybadger README). A learned
// domain becomes the filter `||domain^$third-party` in <home>/lists/learned.txt (the engine's
// "learned" list, catalogue.hpp), rewritten atomically from the database on every change.
//
// The user can undo a learned tracker (unlearn): its rule goes and the domain is remembered
// as unlearned, so it is never learned again (sightings of it are no longer counted).
//
// Privacy (DESIGN.md "Data at rest"): learning.db is encrypted with keys derived from the
// ledger's master key (ledger.key; crypto_kdf context "oglearn_", docs/ledger.md "Keys"), so a
// copied home reveals no first-party site. Per tracker domain and site a sighting row holds
//   domain_tag = BLAKE2b-128(tag key, "domain" 0 domain)
//   site_tag   = BLAKE2b-128(tag key, "site" 0 domain 0 site)   (per domain: equal sites of two
//                                                                trackers do not link)
//   nonce, ct  = XChaCha20-Poly1305({"site", "url", "first_seen"}, seal key,
//                                   AD "optguard-learning-v1" domain_tag site_tag)
// so distinct sites are counted on the tags (COUNT per domain_tag) without a site name in
// clear, and decrypted only to show the user (learned_list) and the ledger. Candidate tracker
// domains are tagged too: a rarely seen "third party" can be a site's own CDN or analytics host
// and so name the site. Learned and undone domains stay in clear: they are tracker names the
// engine must read from lists/learned.txt in clear anyway (public, list-like data), and they say
// nothing about which sites were visited. learning.db records the master key's id: opened with
// another key it is refused (wrong_key) and left as it is. A learning.db of the first,
// unencrypted format (user_version 0) is migrated in place at open (re-encrypted, old pages
// zeroed by secure_delete, VACUUM, WAL truncated): its sightings and the user's undos are
// worth keeping, and the migration needs nothing the host lacks. Sightings of an undone domain
// are deleted.
//
// Corrupt-file safety: a learning.db that SQLite cannot read is moved aside
// (learning.db.corrupt-<ms>) and a new one started; learned.txt stays as it was until the
// next change. Two host processes may share one home: every change is one write
// transaction (BEGIN IMMEDIATE, busy timeout).
//
// Example:
//   Learner l(home, master);
//   l.observe({{"pixel.example", "a.test", "https://pixel.example/p.gif?uid=ab12cd34ef"}}, now);
//   ... two more sites ...  -> observe() returns {domain "pixel.example", sites [...]}
//   l.unlearn("pixel.example");  // rule removed, never learned again

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/crypto.hpp"
#include "ledger/sqlite.hpp"

namespace optguard::learning {

inline constexpr int kSiteThreshold = 3;
// Observations one observe() call accepts (the extension batches far fewer).
inline constexpr std::size_t kMaxObservations = 2000;
inline constexpr const char* kDbFile = "learning.db";
// PRAGMA user_version of learning.db: 0 = first format (sites in clear), 1 = encrypted.
inline constexpr int kSchemaVersion = 1;
// crypto_kdf context of the keys derived from the ledger's master key (ids 1 seal, 2 tag).
inline constexpr const char* kKdfContext = "oglearn_";
// get_rules hands out the learned list's dynamic rules from this id (custom filters stay
// below it), so the extension can tell them apart for the `block:learned` switch.
inline constexpr int kFirstLearnedRuleId = 90000;

struct Observation {
  std::string domain;  // the tracker's host or registrable domain
  std::string site;    // the first-party page's host or registrable domain
  std::string url;     // the pixel's URL (kept as one example per domain and site)
};

struct LearnedTracker {
  std::string domain;
  std::vector<std::string> sites;  // sorted
  std::int64_t learned_at_ms = 0;
};

struct ObserveResult {
  int accepted = 0;  // observations counted
  int ignored = 0;   // first-party, unlearned or already learned domains, IP addresses
  std::vector<LearnedTracker> learned;  // newly learned by this call
};

class Learner {
 public:
  // Opens (creates) <home>/learning.db under keys derived from `master` (the ledger's master
  // key; not kept); `home` must exist. Throws Error(wrong_key) when the file was made with
  // another master key, Error(ledger_too_new) for a newer format (the file is left as it is).
  Learner(std::filesystem::path home, const ledger::SecretBytes& master,
          int threshold = kSiteThreshold);
  Learner(const Learner&) = delete;
  Learner& operator=(const Learner&) = delete;

  // Records the observations (one transaction). Throws Error(bad_params) for an empty or
  // malformed domain or site, or more than kMaxObservations; nothing is recorded then.
  ObserveResult observe(const std::vector<Observation>& observations, std::int64_t now_ms);
  // Every learned tracker, by domain.
  std::vector<LearnedTracker> learned();
  // Undoes a learned tracker (also a domain not learned yet: it will never be). Returns the
  // tracker as it was (empty sites when it was not learned). Throws Error(bad_params) for a
  // malformed domain.
  LearnedTracker unlearn(const std::string& domain, std::int64_t now_ms);
  // Domains the user undid, by domain.
  std::vector<std::string> unlearned();

  // After a ledger key rotation (learning.db is refused with wrong_key while the ledger
  // accepts its key): moves learning.db aside as learning.db.key-<its key id>, kept whole (the
  // old key still reads it), and returns where it went.
  static std::filesystem::path set_aside_for_new_key(const std::filesystem::path& home);
  // Takes the learned and undone domains (stored in clear) of a set-aside learning.db into
  // this one and rewrites learned.txt: blocking and undos survive the rotation, sightings
  // start again. Returns how many domains were taken.
  int adopt_decisions(const std::filesystem::path& set_aside);

  // "||domain^$third-party"
  static std::string filter_for(const std::string& domain);
  std::filesystem::path list_path() const { return home_ / "lists" / "learned.txt"; }
  std::filesystem::path db_path() const { return home_ / kDbFile; }
  // Set when the database was found damaged and replaced at open: where the old one went.
  const std::filesystem::path& moved_aside() const { return moved_aside_; }

 private:
  void open();
  void create_or_migrate();
  void write_list();
  ledger::Bytes keyed_tag(std::initializer_list<std::string_view> parts) const;
  ledger::Bytes domain_tag(const std::string& domain) const;
  ledger::Bytes site_tag(const std::string& domain, const std::string& site) const;
  void insert_sighting(ledger::sql::Stmt& insert, const std::string& domain,
                       const std::string& site, std::string_view url, std::int64_t first_seen);
  int count_sites(const std::string& domain);
  std::vector<std::string> sites_of(const std::string& domain);

  std::filesystem::path home_;
  int threshold_;
  ledger::SecretBytes seal_key_{32};  // XChaCha20-Poly1305 of sighting payloads
  ledger::SecretBytes tag_key_{32};   // BLAKE2b-128 domain and site tags
  std::string key_id_;                // the master key's id (ledger::key_id_of)
  ledger::sql::Db db_;
  std::filesystem::path moved_aside_;
};

// The registrable domain of a host name as observations are keyed (libpsl); throws
// Error(bad_params) naming `what` when it is empty or not a host name.
std::string normalize_domain(const std::string& host, const char* what);

}  // namespace optguard::learning
