#include "ledger/bench.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <vector>

#include "ledger/ledger.hpp"
#include "ledger/sqlite.hpp"

namespace optguard::ledger {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {
double secs_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::uintmax_t files_size(const fs::path& db) {
  std::uintmax_t total = 0;
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-journal"}) {
    const auto n = fs::file_size(db.string() + suffix, ec);
    if (!ec) total += n;
  }
  return total;
}

NewRecord sample_record(std::int64_t i) {
  const std::string site = "site" + std::to_string(i % 1000) + ".example";
  switch (i % 3) {
    case 0:
      return {site,
              {{"type", "signals"},
               {"site", site},
               {"day", "2026-11-29"},
               {"gpc", i % 50},
               {"dnt", i % 50}}};
    case 1:
      return {site,
              {{"type", "blocked"},
               {"site", site},
               {"day", "2026-11-29"},
               {"category", "tracking"},
               {"count", i % 20},
               {"hosts", {{"tracker.example", i % 20}}}}};
    default:
      return {"",
              {{"type", "browser_setting"},
               {"key", "browser:topics"},
               {"action", "applied"},
               {"value", false},
               {"day", "2026-11-29"}}};
  }
}
}  // namespace

nlohmann::json run_bench(const BenchOptions& opt) {
  const std::int64_t n = opt.records;
  const std::int64_t batch = std::max<std::int64_t>(1, opt.batch);
  nlohmann::json out{{"records", n}, {"batch", batch}, {"sqlite", sqlite3_libversion()}};

  // Records of the same shape and size as the ledger's, for the baseline.
  std::vector<NewRecord> sample;
  sample.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) sample.push_back(sample_record(i));

  // 1. Baseline: plain inserts of plaintext rows, same pragmas, same batches.
  {
    const fs::path p = opt.workdir / "plain.db";
    sql::Db db(p, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=FULL");
    db.exec(
        "CREATE TABLE records (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, site TEXT, body "
        "TEXT NOT NULL)");
    const auto t0 = Clock::now();
    sql::Stmt ins(db, "INSERT INTO records(seq, time, site, body) VALUES (?, ?, ?, ?)");
    for (std::int64_t i = 0; i < n; i += batch) {
      db.exec("BEGIN IMMEDIATE");
      for (std::int64_t j = i; j < std::min(n, i + batch); ++j) {
        const auto& r = sample[static_cast<std::size_t>(j)];
        ins.bind(1, j + 1).bind(2, now_ms()).bind(3, r.site).bind(4, r.payload.dump());
        ins.step();
        ins.reset();
      }
      db.exec("COMMIT");
    }
    const double s = secs_since(t0);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    out["baseline"] = {{"append_seconds", s},
                       {"appends_per_second", static_cast<double>(n) / s},
                       {"bytes_per_record", static_cast<double>(files_size(p)) /
                                                static_cast<double>(std::max<std::int64_t>(n, 1))}};
  }

  // 2. Ledger appends (encrypt, tag, chain, signed head per batch), durable commits.
  const fs::path home = opt.workdir / "home";
  fs::create_directories(home);
  fs::permissions(home, fs::perms::owner_all, fs::perm_options::replace);
  LedgerOptions lo;
  lo.passphrase = [] { return std::optional<WipedString>(); };
  {
    Ledger ledger(home, lo);
    const auto t0 = Clock::now();
    std::vector<NewRecord> chunk;
    for (std::int64_t i = 0; i < n; i += batch) {
      chunk.assign(sample.begin() + i, sample.begin() + std::min(n, i + batch));
      ledger.append(chunk);
    }
    const double s = secs_since(t0);
    ledger.checkpoint();
    out["ledger"] = {{"append_seconds", s},
                     {"appends_per_second", static_cast<double>(n) / s},
                     {"bytes_per_record", static_cast<double>(files_size(ledger.db_path())) /
                                              static_cast<double>(std::max<std::int64_t>(n, 1))}};
    // Single durable set_choice (one record per transaction), as the popup makes them.
    const int singles = 50;
    const auto t1 = Clock::now();
    for (int i = 0; i < singles; ++i)
      ledger.set_choice("site" + std::to_string(i) + ".example", "gpc", i % 2 == 0, "cli");
    out["ledger"]["set_choice_ms"] = secs_since(t1) * 1000.0 / singles;
  }

  // 3. Start: open the ledger (key file, subkeys, schema check) and read get_state.
  {
    std::vector<double> ms;
    for (int i = 0; i < 7; ++i) {
      const auto t0 = Clock::now();
      Ledger ledger(home, lo);
      const State st = ledger.state();
      ms.push_back(secs_since(t0) * 1000.0);
      if (st.global.empty()) throw std::runtime_error("empty state");
    }
    std::sort(ms.begin(), ms.end());
    out["ledger"]["start_get_state_ms"] = {
        {"first", ms.front()}, {"median", ms[ms.size() / 2]}, {"max", ms.back()}};
  }

  // 4. list, export, verify over everything; baseline: read every plain row.
  {
    Ledger ledger(home, lo);
    auto t0 = Clock::now();
    std::size_t bytes = 0;
    std::int64_t listed = 0;
    ledger.list({}, [&](const Record& r) {
      bytes += r.to_json().dump().size();
      ++listed;
      return true;
    });
    out["ledger"]["list_seconds"] = secs_since(t0);
    out["ledger"]["list_records"] = listed;
    t0 = Clock::now();
    const auto receipt = ledger.export_receipt({});
    const std::string text = receipt.dump();
    out["ledger"]["export_seconds"] = secs_since(t0);
    out["ledger"]["export_bytes"] = text.size();
    t0 = Clock::now();
    const VerifyResult v = ledger.verify();
    out["ledger"]["verify_seconds"] = secs_since(t0);
    out["ledger"]["verify_ok"] = v.ok;
    t0 = Clock::now();
    const VerifyResult rv = verify_receipt(receipt);
    out["ledger"]["verify_receipt_seconds"] = secs_since(t0);
    out["ledger"]["verify_receipt_ok"] = rv.ok;

    sql::Db db(opt.workdir / "plain.db", SQLITE_OPEN_READWRITE);
    t0 = Clock::now();
    sql::Stmt st(db, "SELECT seq, time, site, body FROM records ORDER BY seq");
    std::size_t plain_bytes = 0;
    while (st.step()) plain_bytes += nlohmann::json::parse(st.text(3)).dump().size();
    out["baseline"]["read_all_seconds"] = secs_since(t0);
    (void)plain_bytes;
  }
  out["goals"] = {{"appends_per_second", 20000}, {"verify_100k_seconds", 1.0}, {"start_ms", 20}};
  return out;
}

std::string bench_text(const nlohmann::json& r) {
  // A goal is judged on this run's figure; "verify passed" says the data checked out, which is
  // a different thing from meeting the time goal.
  auto met = [](bool ok) { return ok ? "met" : "NOT met"; };
  const auto& L = r["ledger"];
  const auto& B = r["baseline"];
  char buf[2048];
  (void)std::snprintf(
      buf, sizeof buf,
      "optguard ledger benchmark: %lld records, batches of %lld, SQLite %s, WAL + "
      "synchronous=FULL\n"
      "%-34s %14s %14s\n"
      "%-34s %14.0f %14.0f   (goal >= 20000: %s)\n"
      "%-34s %14.3f %14.3f\n"
      "%-34s %14.1f %14.1f\n"
      "%-34s %14s %14.2f\n"
      "%-34s %14s %14.2f   (goal <= 20 ms: %s; first %.2f, max %.2f)\n"
      "%-34s %14.3f %14.3f   (baseline: read + parse every plain row)\n"
      "%-34s %14s %14.3f   (%lld bytes of JSON)\n"
      "%-34s %14s %14.3f   (goal <= 1 s: %s; verify %s)\n"
      "%-34s %14s %14.3f   (verify %s)\n",
      r["records"].get<long long>(), r["batch"].get<long long>(),
      r["sqlite"].get<std::string>().c_str(), "", "plain SQLite", "optguard ledger",
      "durable appends/s (batched)", B["appends_per_second"].get<double>(),
      L["appends_per_second"].get<double>(), met(L["appends_per_second"].get<double>() >= 20000),
      "append time (s)", B["append_seconds"].get<double>(), L["append_seconds"].get<double>(),
      "bytes per record (db file)", B["bytes_per_record"].get<double>(),
      L["bytes_per_record"].get<double>(), "set_choice, 1 per commit (ms)", "-",
      L["set_choice_ms"].get<double>(), "start + get_state, median (ms)", "-",
      L["start_get_state_ms"]["median"].get<double>(),
      met(L["start_get_state_ms"]["median"].get<double>() <= 20),
      L["start_get_state_ms"]["first"].get<double>(), L["start_get_state_ms"]["max"].get<double>(),
      "list all (s)", B["read_all_seconds"].get<double>(), L["list_seconds"].get<double>(),
      "export all, signed receipt (s)", "-", L["export_seconds"].get<double>(),
      static_cast<long long>(L["export_bytes"].get<std::int64_t>()), "verify all (s)", "-",
      L["verify_seconds"].get<double>(), met(L["verify_seconds"].get<double>() <= 1.0),
      L["verify_ok"].get<bool>() ? "passed" : "FAILED", "verify receipt, public key only (s)", "-",
      L["verify_receipt_seconds"].get<double>(),
      L["verify_receipt_ok"].get<bool>() ? "passed" : "FAILED");
  return buf;
}

}  // namespace optguard::ledger
