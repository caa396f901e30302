// Custom filter storage: validation per line, atomic owner-only writes, removal; list updates.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "common/errors.hpp"
#include "filters/custom/atomic_file.hpp"
#include "filters/custom/custom_filters.hpp"
#include "filters/custom/list_update.hpp"

namespace fs = std::filesystem;
using namespace optguard::filters;

namespace {
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("optguard-dnr-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};
int mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return static_cast<int>(st.st_mode & 0777);
}
}  // namespace

TEST_CASE("filters are validated per line; valid lines are added even when others fail",
          "[custom]") {
  TempDir home;
  CustomFilters custom(home.path / "filters" / "custom.txt");
  const auto r = custom.add(
      "||ads.example^\n! a comment\n\nexample.com##.banner\n/x.js$csp=default-src\n"
      "/tracker.js$script,third-party\n||ads.example^\n");
  CHECK(r.added == 2);
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].line == 4);
  CHECK(r.errors[0].text == "example.com##.banner");
  CHECK(r.errors[0].message.rfind("cosmetic filters are not supported", 0) == 0);
  CHECK(r.errors[1].line == 5);
  CHECK(r.errors[1].message.find("csp") != std::string::npos);
  const auto lines = custom.lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].line == 1);
  CHECK(lines[0].text == "||ads.example^");
  CHECK(lines[1].text == "/tracker.js$script,third-party");
  CHECK(custom.text() == "||ads.example^\n/tracker.js$script,third-party\n");
  CHECK(custom.filters().size() == 2);
  // Adding a line already there adds nothing.
  CHECK(custom.add("||ads.example^").added == 0);
}

TEST_CASE("custom.txt is written owner-only and atomically", "[custom]") {
  TempDir home;
  const auto file = home.path / "filters" / "custom.txt";
  CustomFilters custom(file);
  CHECK(custom.text().empty());
  CHECK(custom.add("||a.example^").added == 1);
  CHECK(mode_of(file) == 0600);
  CHECK(mode_of(file.parent_path()) == 0700);
  // No temporary file is left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(file.parent_path())) ++entries;
  CHECK(entries == 1);
  // A write that fails leaves the old file untouched (the folder is read-only).
  fs::permissions(file.parent_path(), fs::perms::owner_read | fs::perms::owner_exec);
  if (::geteuid() != 0) {  // root ignores permissions
    CHECK_THROWS_AS(custom.add("||b.example^"), optguard::Error);
    CHECK(custom.text() == "||a.example^\n");
  }
  fs::permissions(file.parent_path(), fs::perms::owner_all);
  // Replacing goes through a new inode (rename), never an in-place rewrite.
  struct stat before {};
  ::stat(file.c_str(), &before);
  CHECK(custom.add("||b.example^").added == 1);
  struct stat after {};
  ::stat(file.c_str(), &after);
  CHECK(before.st_ino != after.st_ino);
}

TEST_CASE("remove takes exact filter texts", "[custom]") {
  TempDir home;
  CustomFilters custom(home.path / "custom.txt");
  custom.add("||a.example^\n||b.example^\n||c.example^\n");
  CHECK(custom.remove({"||b.example^", "  ||c.example^ ", "||nope.example^"}) == 2);
  CHECK(custom.text() == "||a.example^\n");
  CHECK(custom.remove({"||zzz^"}) == 0);
}

TEST_CASE("lists_update validates and writes <home>/lists/<name>.txt", "[custom][lists]") {
  TempDir home;
  const auto u = update_list(home.path, "easylist",
                             "[Adblock Plus 2.0]\n! Title: x\n||ads.example^\n##.ad\n/banner.\n");
  CHECK(u.list == "easylist");
  CHECK(u.loaded == 2);
  CHECK(u.skipped == 3);
  CHECK(u.updated_at.size() == 20);
  CHECK(read_file_if_exists(home.path / "lists" / "easylist.txt") ==
        std::optional<std::string>(
            "[Adblock Plus 2.0]\n! Title: x\n||ads.example^\n##.ad\n/banner.\n"));
  CHECK(mode_of(home.path / "lists" / "easylist.txt") == 0600);
  // A text with no network filter is refused and the old list kept.
  try {
    update_list(home.path, "easylist", "! only comments\n##.ad\n");
    FAIL("expected bad_params");
  } catch (const optguard::Error& e) {
    CHECK(e.code() == optguard::ErrorCode::bad_params);
  }
  CHECK(read_file_if_exists(home.path / "lists" / "easylist.txt")->find("||ads.example^") !=
        std::string::npos);
  CHECK_THROWS_AS(update_list(home.path, "../evil", "||a.example^"), optguard::Error);
}
