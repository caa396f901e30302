#pragma once
// The ledger (docs/ledger.md): an encrypted, hash-chained SQLite record of every choice and
// opt-out, safe for several host processes appending at once.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ledger/choices.hpp"
#include "ledger/crypto.hpp"
#include "ledger/keyfile.hpp"
#include "ledger/sqlite.hpp"

namespace optguard::ledger {

using Json = nlohmann::json;

inline constexpr int kSchemaVersion = 2;
inline constexpr const char* kDbFile = "ledger.db";
inline constexpr const char* kKeyFile = "ledger.key";
inline constexpr const char* kNewKeyFile = "ledger.key.new";  // only during `key rotate`

struct LedgerOptions {
  PassphraseProvider passphrase = default_passphrase;
  KdfLimits kdf = moderate_kdf_limits();  // for new wrapped keys
  bool create_if_missing = true;
  int busy_timeout_ms = 10000;
  // Testing only: caps the database size (SQLite max_page_count) to simulate a full disk.
  std::optional<std::int64_t> max_page_count;
};

// Which records a list/export selects. Times are ms since 1970 UTC, both inclusive.
struct Selection {
  std::optional<std::string> site;  // any host: matched by its eTLD+1
  std::optional<std::int64_t> since_ms;
  std::optional<std::int64_t> until_ms;
  std::optional<std::string> type;
  std::int64_t after_seq = 0;  // paging cursor
};

struct Record {
  std::int64_t seq = 0;
  std::int64_t time_ms = 0;
  Json payload;  // {"type": ..., ...}
  // {seq, time (ISO 8601), type, ...payload}
  Json to_json() const;
};

struct VerifyResult {
  bool ok = true;
  std::int64_t records = 0;
  std::optional<std::int64_t> first_bad_seq;
  std::string message;
  std::int64_t head_seq = 0;
  std::int64_t head_time_ms = 0;
  Json to_json() const;  // {ok, records, first_bad_seq, message, head: {seq, time}}
};

// One site-or-global new record (before it is numbered).
struct NewRecord {
  std::string site;  // eTLD+1, empty for records without a site
  Json payload;
};

struct Head {
  std::int64_t seq = 0;
  std::int64_t count = 0;
  std::int64_t time_ms = 0;
  Bytes link = Bytes(kLinkBytes, 0);
};

class Ledger {
 public:
  // Opens (or creates) the ledger in `home` (which must exist and be owner-only).
  // Completes or rolls back an interrupted key rotation first.
  Ledger(std::filesystem::path home, LedgerOptions options = {});
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  const std::filesystem::path& home() const { return home_; }
  std::filesystem::path db_path() const { return home_ / kDbFile; }
  std::filesystem::path key_path() const { return home_ / kKeyFile; }
  const KeySet& keys() const { return *keys_; }
  std::string ledger_id();

  // The current choices (decrypted from the state row).
  State state();
  // Records one choice and updates the state; returns its seq and the new state.
  // `site` is any host or URL for scope "site" (stored by eTLD+1), empty for "global".
  std::pair<std::int64_t, State> set_choice(const std::string& site, const std::string& key,
                                            std::optional<bool> value, const std::string& source);
  // Validates and records evidence events (docs/protocol.md `record`); returns how many
  // records were written (events of one call that share type/site/day[/category] are summed).
  std::int64_t record_events(const Json& events);
  // Appends records in one durable transaction; returns the seq of the first.
  std::int64_t append(const std::vector<NewRecord>& records);

  // Calls `sink` for each selected record in seq order until it returns false.
  void list(const Selection& sel, const std::function<bool(const Record&)>& sink);
  // A signed receipt of the selected records (docs/ledger.md "Receipt").
  Json export_receipt(const Selection& sel);
  VerifyResult verify();
  Head head();
  std::int64_t count();
  // Folds the WAL into the database file (PRAGMA wal_checkpoint(TRUNCATE)).
  void checkpoint();

  // Re-encrypts everything under a new master key (crash-safe: old or new, never a mix).
  void rotate_key();
  // Wraps the key with a passphrase (or removes the wrapping with nullopt).
  void set_passphrase(const std::optional<WipedString>& passphrase);
  bool key_wrapped() const;
  // Writes a copy of the key file to `out` (mode 0600; refuses to overwrite).
  void backup_key(const std::filesystem::path& out) const;

 private:
  void open_db(bool create);
  void migrate();
  void load_keys();
  void check_key_current();
  Head read_head(bool check_mac);
  void write_head(const Head& h);
  State read_state_row();
  void write_state_row(const State& st, std::int64_t seq);
  std::int64_t append_in_txn(const std::vector<NewRecord>& records, Head& h);

  std::filesystem::path home_;
  LedgerOptions options_;
  sql::Db db_;
  std::unique_ptr<KeySet> keys_;
};

// Throws Error(key_missing ...) etc.; completes or rolls back a crashed rotation.
void recover_rotation(const std::filesystem::path& home);

// Verifies a receipt with only the public key inside it (and `expected_public_key`, base64,
// when given). No secret is needed.
VerifyResult verify_receipt(const Json& receipt, const std::string& expected_public_key = "");

// "2026-11-29T08:35:26.123Z"
std::string iso_time(std::int64_t ms);
std::int64_t now_ms();
// "YYYY-MM-DD" (start of the day, or end of it with `end_of_day`) or a full ISO 8601 UTC time.
// Throws Error(bad_params).
std::int64_t parse_time(const std::string& s, bool end_of_day);

}  // namespace optguard::ledger
