#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "filters/cache.hpp"

using namespace optguard::filters;
namespace fs = std::filesystem;

namespace {
struct TempHome {
  fs::path path;
  TempHome() {
    std::string tmpl = (fs::temp_directory_path() / "optguard-cache-test-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
    fs::create_directories(path / "lists");
    fs::create_directories(path / "filters");
    fs::create_directories(path / "system");
  }
  ~TempHome() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const fs::path& rel, const std::string& text) const {
    std::ofstream out(path / rel, std::ios::binary | std::ios::trunc);
    out << text;
  }
  CatalogueOptions options() const {
    CatalogueOptions o;
    o.system_list_dir = path / "system";
    o.include_social = false;
    return o;
  }
};
}  // namespace

TEST_CASE("the catalogue: system lists, home overrides, custom and learned", "[cache]") {
  TempHome h;
  h.write("system/easylist.txt", "||sys-ads.example^\n");
  h.write("system/easyprivacy.txt", "||sys-track.example^\n");
  auto entries = default_catalogue(h.path, h.options());
  REQUIRE(entries.size() == 4);
  CHECK(entries[0].name == "easylist");
  CHECK(entries[0].origin == "system");
  CHECK(entries[2].name == "custom");
  CHECK_FALSE(entries[2].present);
  h.write("lists/easylist.txt", "||home-ads.example^\n");
  h.write("filters/custom.txt", "||mine.example^\n");
  entries = default_catalogue(h.path, h.options());
  CHECK(entries[0].origin == "home");
  CHECK(entries[2].present);
  const LoadedCatalogue loaded = read_catalogue(entries);
  REQUIRE(loaded.sources.size() == 3);
  CHECK(loaded.sources[0].text == "||home-ads.example^\n");
  CHECK(loaded.sources[2].category == Category::custom);
  // The built-in social list is part of the default catalogue.
  CatalogueOptions with_social = h.options();
  with_social.include_social = true;
  const auto all = default_catalogue(h.path, with_social);
  REQUIRE(all.size() == 5);
  CHECK(all[2].name == "social");
  CHECK(all[2].present);
  CHECK_FALSE(all[2].builtin.empty());
}

TEST_CASE("the compiled cache is written, reused, and rebuilt when a list changes", "[cache]") {
  TempHome h;
  h.write("system/easylist.txt", "||ads.example^\n");
  h.write("system/easyprivacy.txt", "||track.example^\n");
  CacheResult first = load_or_build(h.path, h.options());
  CHECK_FALSE(first.from_cache);
  CHECK(fs::exists(cache_path(h.path)));
  CHECK(first.engine.match("https://ads.example/x", "https://s.com/", "image").decision ==
        Decision::block);

  CacheResult second = load_or_build(h.path, h.options());
  CHECK(second.from_cache);
  CHECK(second.engine.match("https://ads.example/x", "https://s.com/", "image").decision ==
        Decision::block);
  CHECK(second.engine.match("https://track.example/x", "https://s.com/", "image").decision ==
        Decision::block);

  // A new custom list appears: rebuilt.
  h.write("filters/custom.txt", "||custom.example^\n");
  CacheResult third = load_or_build(h.path, h.options());
  CHECK_FALSE(third.from_cache);
  const Verdict v = third.engine.match("https://custom.example/x", "https://s.com/", "image");
  CHECK(v.decision == Decision::block);
  REQUIRE(v.category);
  CHECK(*v.category == Category::custom);

  // Touched but identical content: still fresh (content hash).
  CHECK(load_or_build(h.path, h.options()).from_cache);
  const auto later = fs::last_write_time(h.path / "filters/custom.txt") + std::chrono::seconds(5);
  fs::last_write_time(h.path / "filters/custom.txt", later);
  CHECK(load_or_build(h.path, h.options()).from_cache);

  // Same size, new content: rebuilt.
  h.write("filters/custom.txt", "||kustom.example^\n");
  fs::last_write_time(h.path / "filters/custom.txt", later + std::chrono::seconds(5));
  CacheResult fourth = load_or_build(h.path, h.options());
  CHECK_FALSE(fourth.from_cache);
  CHECK(fourth.engine.match("https://kustom.example/x", "https://s.com/", "image").decision ==
        Decision::block);
  CHECK(fourth.engine.match("https://custom.example/x", "https://s.com/", "image").decision ==
        Decision::none);
}

TEST_CASE("a corrupt, truncated or other-version cache is rebuilt, never fatal", "[cache]") {
  TempHome h;
  h.write("system/easylist.txt", "||ads.example^\n/banner/*$image,domain=x.com|~y.x.com\n");
  h.write("system/easyprivacy.txt", "||track.example^\n");
  REQUIRE_FALSE(load_or_build(h.path, h.options()).from_cache);
  const fs::path cache = cache_path(h.path);
  std::string bytes;
  {
    std::ifstream in(cache, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  REQUIRE(bytes.size() > 256);
  const auto rewrite = [&](const std::string& b) {
    std::ofstream out(cache, std::ios::binary | std::ios::trunc);
    out << b;
  };
  SECTION("garbage") {
    rewrite("not an engine image");
  }
  SECTION("truncated") {
    rewrite(bytes.substr(0, bytes.size() / 2));
  }
  SECTION("other format version") {
    std::string b = bytes;
    b[8] = static_cast<char>(b[8] + 1);
    rewrite(b);
  }
  SECTION("flipped bytes in the filter table") {
    std::string b = bytes;
    for (std::size_t i = 200; i < b.size(); i += 97) b[i] = static_cast<char>(~b[i]);
    rewrite(b);
  }
  SECTION("empty file") {
    rewrite("");
  }
  std::string why;
  (void)read_cache_file(cache, &why);
  CacheResult r = load_or_build(h.path, h.options());
  CHECK(r.engine.match("https://ads.example/x", "https://s.com/", "image").decision ==
        Decision::block);
  CHECK(load_or_build(h.path, h.options()).from_cache);  // and the rebuilt cache is good again
}

TEST_CASE("a cached engine answers exactly like a freshly built one", "[cache]") {
  TempHome h;
  const std::string list =
      "||a.example^$third-party\n@@||a.example/ok^\n/banner/"
      "*.gif$image,domain=news.com|~sports.news.com\n"
      "/\\/ad[0-9]+\\//\n||b.example^$important\n*$script,domain=x.com,denyallow=cdn.com\n";
  h.write("system/easylist.txt", list);
  h.write("system/easyprivacy.txt", "");
  const Engine built = Engine::build({ListSource{"easylist", Category::advertising, list}});
  REQUIRE_FALSE(load_or_build(h.path, h.options()).from_cache);
  CacheResult cached = load_or_build(h.path, h.options());
  REQUIRE(cached.from_cache);
  const char* urls[][3] = {{"https://a.example/x", "https://s.com/", "image"},
                           {"https://a.example/ok/x", "https://s.com/", "image"},
                           {"https://c.com/banner/1.gif", "https://www.news.com/", "image"},
                           {"https://c.com/banner/1.gif", "https://sports.news.com/", "image"},
                           {"https://c.com/ad12/x", "https://s.com/", "script"},
                           {"https://b.example/x", "https://s.com/", "image"},
                           {"https://evil.com/x.js", "https://x.com/", "script"},
                           {"https://cdn.com/x.js", "https://x.com/", "script"}};
  for (const auto& u : urls) {
    INFO(u[0] << " " << u[1]);
    const Verdict a = built.match(u[0], u[1], u[2]);
    const Verdict b = cached.engine.match(u[0], u[1], u[2]);
    CHECK(a.decision == b.decision);
    CHECK(a.filter == b.filter);
  }
}
