// Bad files and bad disks: each is a clear error and leaves nothing half-written.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/errors.hpp"
#include "helpers.hpp"

using namespace optguard::ledger;
using namespace ledger_test;
using optguard::ErrorCode;

namespace {
std::optional<ErrorCode> open_error(const TempHome& home) {
  try {
    Ledger ledger(home.path(), test_options());
    (void)ledger.state();
  } catch (const optguard::Error& e) {
    return e.code();
  }
  return std::nullopt;
}

// Runs `body` in a child process; returns its exit status (the ErrorCode + 1 it threw, 0 if none).
template <typename F>
int in_child(F body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int rc = 0;
    try {
      body();
    } catch (const optguard::Error& e) {
      rc = static_cast<int>(e.code()) + 1;
    } catch (...) {
      rc = 100;
    }
    ::_exit(rc);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

int code_status(ErrorCode c) {
  return static_cast<int>(c) + 1;
}

// Drops root (which ignores file permissions) so permission tests mean something.
void become_nobody(const fs::path& home) {
  if (::geteuid() != 0) return;
  for (const auto& e : fs::recursive_directory_iterator(home)) {
    if (::chown(e.path().c_str(), 65534, 65534) != 0) ::_exit(150);
  }
  if (::chown(home.c_str(), 65534, 65534) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)
    ::_exit(151);
}
}  // namespace

TEST_CASE("a corrupt database file is a clear error and is not changed") {
  TempHome home;
  {
    Ledger ledger(home.path(), test_options());
    ledger.append({signals("c.example", 1)});
  }
  std::string garbage(16384, '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i)
    garbage[i] = static_cast<char>((i * 7919U + 13U) % 251U);
  write_all(home / "ledger.db", garbage);
  CHECK(open_error(home) == ErrorCode::ledger_corrupt);
  CHECK(read_all(home / "ledger.db") == garbage);
}

TEST_CASE("an SQLite database that is not a ledger is refused") {
  TempHome home;
  { Ledger ledger(home.path(), test_options()); }
  std::filesystem::remove(home / "ledger.db");
  raw_sql(home / "ledger.db", "CREATE TABLE photos (id INTEGER PRIMARY KEY, data BLOB);");
  const std::string before = read_all(home / "ledger.db");
  CHECK(open_error(home) == ErrorCode::ledger_corrupt);
  CHECK(read_all(home / "ledger.db") == before);
}

TEST_CASE("a damaged page is reported as a corrupt ledger") {
  TempHome home;
  {
    Ledger ledger(home.path(), test_options());
    for (int i = 0; i < 200; ++i) ledger.append({signals("page.example", i)});
  }
  std::string bytes = read_all(home / "ledger.db");
  REQUIRE(bytes.size() > 4096 * 4);
  for (std::size_t i = 4096 * 3; i < 4096 * 3 + 200; ++i) bytes[i] = '\x5a';
  write_all(home / "ledger.db", bytes);
  bool reported = false;
  try {
    Ledger ledger(home.path(), test_options());
    const auto v = ledger.verify();
    reported = !v.ok;
  } catch (const optguard::Error& e) {
    reported = e.code() == ErrorCode::ledger_corrupt;
  }
  CHECK(reported);
}

TEST_CASE("a database from a newer schema is refused and not changed") {
  TempHome home;
  {
    Ledger ledger(home.path(), test_options());
    ledger.append({signals("n.example", 1)});
  }
  raw_sql(home / "ledger.db", "PRAGMA user_version = 99;");
  const std::string before = read_all(home / "ledger.db");
  CHECK(open_error(home) == ErrorCode::ledger_too_new);
  CHECK(read_all(home / "ledger.db") == before);
}

TEST_CASE("a read-only folder is a clear error and the ledger is unchanged") {
  TempHome home;
  {
    Ledger ledger(home.path(), test_options());
    ledger.append({signals("ro.example", 1)});
  }
  const std::string before = read_all(home / "ledger.db");
  const int rc = in_child([&] {
    become_nobody(home.path());
    fs::permissions(home.path(), fs::perms::owner_read | fs::perms::owner_exec,
                    fs::perm_options::replace);
    Ledger ledger(home.path(), test_options());
    ledger.append({signals("ro.example", 2)});
  });
  CHECK(rc == code_status(ErrorCode::read_only));
  if (::geteuid() == 0) {
    for (const auto& e : fs::recursive_directory_iterator(home.path()))
      (void)::chown(e.path().c_str(), 0, 0);
    (void)::chown(home.path().c_str(), 0, 0);
  }
  fs::permissions(home.path(), fs::perms::owner_all, fs::perm_options::replace);
  CHECK(read_all(home / "ledger.db") == before);
  Ledger ledger(home.path(), test_options());
  CHECK(ledger.count() == 1);
  CHECK(ledger.verify().ok);
}

TEST_CASE("a read-only database file is a clear error") {
  TempHome home;
  {
    Ledger ledger(home.path(), test_options());
    ledger.append({signals("ro.example", 1)});
  }
  const int rc = in_child([&] {
    become_nobody(home.path());
    fs::permissions(home / "ledger.db", fs::perms::owner_read, fs::perm_options::replace);
    Ledger ledger(home.path(), test_options());
    ledger.append({signals("ro.example", 2)});
  });
  CHECK(rc == code_status(ErrorCode::read_only));
}

// Full disk, simulated with SQLite's max_page_count (the database cannot grow past it).
TEST_CASE("a full disk (max_page_count) fails the append cleanly and loses nothing committed") {
  TempHome home;
  std::int64_t committed = 0;
  {
    LedgerOptions o = test_options();
    o.max_page_count = 24;
    Ledger ledger(home.path(), o);
    bool full = false;
    for (int i = 0; i < 10000 && !full; ++i) {
      std::vector<NewRecord> batch;
      for (int j = 0; j < 20; ++j)
        batch.push_back(signals("full" + std::to_string(j) + ".example", i));
      try {
        ledger.append(batch);
        committed += 20;
      } catch (const optguard::Error& e) {
        CHECK(e.code() == ErrorCode::disk_full);
        full = true;
      }
    }
    REQUIRE(full);
    CHECK(ledger.count() == committed);
    // Choices too: a failed set_choice changes neither the records nor the state.
    bool value = true;
    for (int i = 0; i < 10000; ++i) {
      try {
        ledger.set_choice("", "gpc", !value, "cli");
        value = !value;
        ++committed;
      } catch (const optguard::Error& e) {
        CHECK(e.code() == ErrorCode::disk_full);
        break;
      }
    }
    CHECK(ledger.state().global.at("gpc") == value);
    CHECK(ledger.count() == committed);
  }
  Ledger ledger(home.path(), test_options());
  CHECK(ledger.count() == committed);
  CHECK(ledger.verify().ok);
  ledger.append({signals("after.example", 1)});
  CHECK(ledger.verify().ok);
}

// Full disk, simulated with a small RLIMIT_FSIZE in a child (writes past it fail with EFBIG).
TEST_CASE("a file size limit (RLIMIT_FSIZE) fails the append cleanly and loses nothing committed") {
  TempHome home;
  {
    Ledger ledger(home.path(), test_options());
    ledger.append({signals("f.example", 0)});
  }
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const int rc = in_child([&] {
    ::close(fds[0]);
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit lim{256 * 1024, 256 * 1024};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    Ledger ledger(home.path(), test_options());
    for (int i = 0; i < 100000; ++i) {
      std::vector<NewRecord> batch;
      for (int j = 0; j < 10; ++j) batch.push_back(signals("fsize.example", i));
      const std::int64_t first = ledger.append(batch);
      const std::string line = std::to_string(first + 9) + "\n";
      (void)::write(fds[1], line.data(), line.size());
    }
  });
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  CHECK(rc == code_status(ErrorCode::disk_full));
  std::int64_t last = 1;
  for (std::size_t p = 0, q; (q = out.find('\n', p)) != std::string::npos; p = q + 1)
    last = std::stoll(out.substr(p, q - p));
  Ledger ledger(home.path(), test_options());
  CHECK(last > 1);
  CHECK(ledger.count() == last);  // every committed batch, nothing of the failed one
  CHECK(ledger.verify().ok);
}
