#include "ledger/sqlite.hpp"

#include <utility>

#include "common/errors.hpp"

namespace optguard::ledger::sql {

void fail(sqlite3* db, int rc, const std::string& what) {
  const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const std::string msg = what + ": " + detail;
  switch (rc & 0xff) {
    case SQLITE_FULL:
      throw Error(ErrorCode::disk_full,
                  msg + " (the disk or the file size limit is full; nothing was written)");
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      throw Error(ErrorCode::read_only, msg + " (check that the optguard home is writable)");
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      throw Error(ErrorCode::ledger_corrupt,
                  msg + " (the ledger database is damaged; restore it from a backup)");
    case SQLITE_IOERR:
      if (rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_FSYNC || rc == SQLITE_IOERR_TRUNCATE) {
        // EFBIG (file size limit) and ENOSPC surface as write errors.
        throw Error(ErrorCode::disk_full,
                    msg + " (a write failed: the disk may be full; nothing was written)");
      }
      throw Error(ErrorCode::io_error, msg);
    default:
      throw Error(ErrorCode::io_error, msg);
  }
}

Db::Db(const std::filesystem::path& path, int flags) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = "cannot open " + path.string();
    sqlite3* tmp = std::exchange(db_, nullptr);
    try {
      fail(tmp, rc, msg);
    } catch (...) {
      sqlite3_close_v2(tmp);
      throw;
    }
  }
  sqlite3_extended_result_codes(db_, 1);
}

Db::~Db() {
  close();
}
Db::Db(Db&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    close();
    db_ = std::exchange(o.db_, nullptr);
  }
  return *this;
}

void Db::close() {
  if (db_ != nullptr) sqlite3_close_v2(std::exchange(db_, nullptr));
}

void Db::exec(const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (err != nullptr) sqlite3_free(err);
  if (rc != SQLITE_OK)
    fail(db_, sqlite3_extended_errcode(db_), std::string("SQL failed (") + sql + ")");
}

Stmt::Stmt(const Db& db, std::string_view sql) : db_(db.get()) {
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st_, nullptr);
  if (rc != SQLITE_OK) fail(db_, rc, "cannot prepare " + std::string(sql));
}
Stmt::~Stmt() {
  sqlite3_finalize(st_);
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(st_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
  sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind(int i, ByteView v) {
  sqlite3_bind_blob(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(st_, i);
  return *this;
}

bool Stmt::step() {
  const int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, sqlite3_extended_errcode(db_), "ledger database step failed");
}

void Stmt::reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

ByteView Stmt::blob(int col) const {
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st_, col));
  const auto n = static_cast<std::size_t>(sqlite3_column_bytes(st_, col));
  return {p, p == nullptr ? 0 : n};
}

std::string Stmt::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
  return p == nullptr ? std::string()
                      : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, col)));
}

WriteTxn::WriteTxn(Db& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}
WriteTxn::~WriteTxn() {
  if (!done_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}
void WriteTxn::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

ReadTxn::ReadTxn(Db& db) : db_(db), owner_(sqlite3_get_autocommit(db.get()) != 0) {
  if (owner_) db_.exec("BEGIN");
}
ReadTxn::~ReadTxn() {
  if (owner_) sqlite3_exec(db_.get(), "COMMIT", nullptr, nullptr, nullptr);
}

}  // namespace optguard::ledger::sql
