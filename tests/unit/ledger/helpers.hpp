#pragma once
// Shared helpers for the ledger tests: a temporary owner-only home, file bytes, raw SQL.

#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "ledger/ledger.hpp"

namespace ledger_test {
namespace fs = std::filesystem;

class TempHome {
 public:
  TempHome() {
    std::string tmpl = (fs::temp_directory_path() / "optguard-ledger-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::replace);
  }
  ~TempHome() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::replace, ec);
    fs::remove_all(path_, ec);
  }
  TempHome(const TempHome&) = delete;
  TempHome& operator=(const TempHome&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const char* name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Fast options for tests: minimal Argon2id cost, no prompting.
inline optguard::ledger::LedgerOptions test_options(const char* passphrase = nullptr) {
  optguard::ledger::LedgerOptions o;
  o.kdf = optguard::ledger::minimal_kdf_limits();
  std::string pass = passphrase == nullptr ? std::string() : std::string(passphrase);
  const bool has = passphrase != nullptr;
  o.passphrase = [pass, has]() -> std::optional<optguard::ledger::WipedString> {
    if (!has) return std::nullopt;
    return optguard::ledger::WipedString(pass);
  };
  return o;
}

inline std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_all(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

// Runs SQL on the database directly through the sqlite3 C API (as a tamperer would).
inline void raw_sql(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  if (sqlite3_open(db.c_str(), &h) != SQLITE_OK) throw std::runtime_error("open failed");
  char* err = nullptr;
  const int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
  const std::string msg = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(h);
  if (rc != SQLITE_OK) throw std::runtime_error("raw sql failed: " + msg + " in " + sql);
}

inline unsigned mode_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 07777U;
}

// A signals record for `site` (test payloads).
inline optguard::ledger::NewRecord signals(const std::string& site, int n) {
  return {site,
          {{"type", "signals"}, {"site", site}, {"day", "2026-11-29"}, {"gpc", n}, {"dnt", n}}};
}

}  // namespace ledger_test
