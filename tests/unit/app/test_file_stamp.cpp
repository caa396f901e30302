// FileWatch: what a host process checks to see that another process changed a file.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "common/file_stamp.hpp"
#include "common/temp_dir.hpp"

using namespace optguard;
namespace fs = std::filesystem;

namespace {
void write(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}
}  // namespace

TEST_CASE("a file watch sees files appear, change, get replaced and vanish", "[file_stamp]") {
  TempDir dir;
  const fs::path a = dir.path() / "a.txt";
  const fs::path b = dir.path() / "b.txt";
  write(a, "one\n");
  FileWatch watch({a, b});
  CHECK(watch.changed());  // never taken
  watch.take();
  CHECK_FALSE(watch.changed());

  SECTION("a missing file that appears") {
    write(b, "");
    CHECK(watch.changed());
  }
  SECTION("an edit in place that changes the size") {
    write(a, "one and two\n");
    CHECK(watch.changed());
  }
  SECTION("an atomic replace by a same-size file, even with the old mtime") {
    // What a writer elsewhere does (temp file + rename): a new inode, whatever the clock says.
    const fs::path tmp = dir.path() / "a.txt.tmp";
    write(tmp, "two\n");
    fs::last_write_time(tmp, fs::last_write_time(a));
    fs::rename(tmp, a);
    CHECK(watch.changed());
  }
  SECTION("a file removed") {
    fs::remove(a);
    CHECK(watch.changed());
  }
  SECTION("taken again after a change, it is quiet until the next one") {
    write(a, "one and two\n");
    watch.take();
    CHECK_FALSE(watch.changed());
  }
}

TEST_CASE("stamp_of a missing path says it does not exist", "[file_stamp]") {
  TempDir dir;
  CHECK_FALSE(stamp_of(dir.path() / "nothing").exists);
  CHECK(stamp_of(dir.path()).exists);
}
