#pragma once
// Minimal RAII over the sqlite3 C API, mapping SQLite failures to optguard errors
// (SQLITE_FULL -> disk_full, SQLITE_READONLY/CANTOPEN -> read_only, NOTADB/CORRUPT ->
// ledger_corrupt).

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/crypto.hpp"

namespace optguard::ledger::sql {

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what);

class Db {
 public:
  Db() = default;
  Db(const std::filesystem::path& path, int flags);
  ~Db();
  Db(Db&& o) noexcept;
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* get() const { return db_; }
  explicit operator bool() const { return db_ != nullptr; }
  void exec(const char* sql);
  void close();

 private:
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  Stmt(const Db& db, std::string_view sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, ByteView v);
  Stmt& bind_null(int i);
  // True while there is a row; false when done. Throws on error.
  bool step();
  void reset();

  std::int64_t int64(int col) const { return sqlite3_column_int64(st_, col); }
  bool is_null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  ByteView blob(int col) const;
  std::string text(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if not committed.
class WriteTxn {
 public:
  explicit WriteTxn(Db& db);
  ~WriteTxn();
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;
  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

// BEGIN (deferred: a consistent snapshot for reads) ... COMMIT at the end; inside an open
// transaction it does nothing (the reads join it).
class ReadTxn {
 public:
  explicit ReadTxn(Db& db);
  ~ReadTxn();
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;

 private:
  Db& db_;
  bool owner_;
};

}  // namespace optguard::ledger::sql
