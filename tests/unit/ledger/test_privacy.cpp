// Privacy at rest: no site name and no record plaintext in any file the ledger writes.
#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace optguard::ledger;
using namespace ledger_test;

namespace {
// Every file in the home except the key file, with its bytes.
std::vector<std::pair<fs::path, std::string>> home_files(const TempHome& home) {
  std::vector<std::pair<fs::path, std::string>> files;
  for (const auto& e : fs::recursive_directory_iterator(home.path())) {
    if (!e.is_regular_file()) continue;
    if (e.path().filename() == "ledger.key") continue;
    files.emplace_back(e.path(), read_all(e.path()));
  }
  return files;
}

const std::vector<std::string> kSecrets = {
    "zanzibarquokka", "quokka-news",   "xylophonetracker", "grebe-analytics", "trackingpixelzeta",
    "signals",        "blocked",       "gpc_json",         "browser_setting", "\"type\"",
    "\"site\"",       "popup",         "options",          "lastUpdate",      "2026-11-2",
    "block:social",   "browser:topics"};

void check_no_secrets(const TempHome& home, const char* when) {
  const auto files = home_files(home);
  REQUIRE_FALSE(files.empty());
  for (const auto& [path, bytes] : files) {
    for (const auto& s : kSecrets) {
      INFO(when << ": " << path.filename().string() << " (" << bytes.size() << " bytes) contains '"
                << s << "'");
      CHECK(bytes.find(s) == std::string::npos);
    }
  }
}
}  // namespace

TEST_CASE("no site name or record plaintext is stored in the database, its WAL or any other file") {
  TempHome home;
  {
    Ledger ledger(home.path(), test_options());
    ledger.set_choice("https://www.zanzibarquokka.example/", "protection", false, "popup");
    ledger.set_choice("quokka-news.example", "block:social", false, "options");
    ledger.set_choice("", "browser:topics", true, "options");
    for (int day = 20; day < 29; ++day) {
      const std::string d = "2026-11-" + std::to_string(day);
      ledger.record_events(Json::array({
          {{"type", "signals"},
           {"site", "zanzibarquokka.example"},
           {"day", d},
           {"gpc", 12},
           {"dnt", 12}},
          {{"type", "blocked"},
           {"site", "quokka-news.example"},
           {"day", d},
           {"category", "tracking"},
           {"count", 3},
           {"hosts", {{"xylophonetracker.example", 2}, {"grebe-analytics.example", 1}}}},
          {{"type", "gpc_json"},
           {"site", "trackingpixelzeta.example"},
           {"day", d},
           {"status", "found"},
           {"declaration", {{"gpc", true}, {"lastUpdate", "2025-01-01"}}}},
          {{"type", "browser_setting"},
           {"key", "browser:topics"},
           {"action", "reapplied"},
           {"value", false},
           {"day", d}},
      }));
    }
    // While the ledger is open the recent writes are still in ledger.db-wal.
    REQUIRE(fs::exists(home / "ledger.db-wal"));
    check_no_secrets(home, "while open");
    CHECK(ledger.verify().ok);
    ledger.rotate_key();  // re-encryption must not leave plaintext behind either
    check_no_secrets(home, "after rotation");
  }
  check_no_secrets(home, "after close");
  // The names are really recorded: listing (with the key) finds them.
  Ledger ledger(home.path(), test_options());
  Selection s;
  s.site = "zanzibarquokka.example";
  int n = 0;
  ledger.list(s, [&](const Record& r) {
    CHECK(r.to_json().dump().find("zanzibarquokka") != std::string::npos);
    return ++n > 0;
  });
  CHECK(n == 10);
}
