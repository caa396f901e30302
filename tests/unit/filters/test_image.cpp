// The compiled-cache image loader must refuse any damaged image it cannot answer from safely:
// whatever it accepts, the matcher can match with (run under ASan/UBSan by scripts/test.sh).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

#include "filters/engine.hpp"

using namespace optguard::filters;
namespace fs = std::filesystem;

namespace {

class Bytes final : public ImageBytes {
 public:
  explicit Bytes(std::vector<std::byte> data) : data_(std::move(data)) {}
  std::span<const std::byte> bytes() const override { return data_; }

 private:
  std::vector<std::byte> data_;
};

// A view of the caller's buffer (damaged in place and restored: the image is ~400 KiB).
class View final : public ImageBytes {
 public:
  explicit View(std::span<const std::byte> data) : data_(data) {}
  std::span<const std::byte> bytes() const override { return data_; }

 private:
  std::span<const std::byte> data_;
};

const char* const kRequests[][3] = {
    {"https://ads.example.com/banner/ad.gif", "https://news.example/", "image"},
    {"https://t.co/x?y=1", "https://news.example/", "script"},
    {"https://cdn.tracker.example/p.gif?id=1", "https://shop.example.co.uk/", "ping"},
    {"https://x.com/ad12/y", "https://www.x.com/", "xmlhttprequest"},
    {"https://a.example/ok/x", "https://s.com/", "sub_frame"},
    {"data:text/plain,hello", "", "other"},
};

// Loads `image` as an image; when accepted, answers every request. True when accepted.
bool load_and_match(std::shared_ptr<const ImageBytes> image) {
  try {
    const Engine e(Matcher::from_image(std::move(image)));
    (void)e.lists();
    (void)e.matcher().fingerprints();
    for (const auto& r : kRequests) {
      const Verdict v = e.match(r[0], r[1], r[2]);
      (void)v.filter.size();
      (void)v.list.size();
    }
    for (std::uint32_t id : e.matcher().unindexed_filters()) (void)e.matcher().filter_text(id);
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}
bool load_and_match(std::vector<std::byte> bytes) {
  return load_and_match(std::make_shared<Bytes>(std::move(bytes)));
}
bool load_and_match(std::span<const std::byte> bytes) {
  return load_and_match(std::make_shared<View>(bytes));
}

// Whether byte `at` lies in one of the image's presence bitsets (sections 5, 8 and 11 of the
// header's table of {offset, size} pairs at byte 32): any bit pattern there is valid, so the
// exhaustive test only samples them.
bool in_bitset(const std::vector<std::byte>& img, std::size_t at) {
  for (const std::size_t section : {5U, 8U, 11U}) {
    std::uint64_t rec[2];
    std::memcpy(rec, img.data() + 32 + section * 16, 16);
    if (at >= rec[0] && at < rec[0] + rec[1]) return true;
  }
  return false;
}

std::vector<std::byte> built_image() {
  const std::string list =
      "||ads.example.com^\n@@||ads.example.com/ok^\n/banner/*.gif$image,domain=news.example|~a."
      "news.example\n/\\/ad[0-9]{1,3}\\//\n||tracker.example^$important,third-party\n"
      "*$script,domain=x.com,denyallow=cdn.com\n$ping,domain=shop.example.*\n"
      "||t.co^$to=t.co|~x.t.co\n0.0.0.0 hosts.example\n-ad-300x250.\n|https://ads.\n";
  const Engine e = Engine::build({ListSource{"easylist", Category::advertising, list},
                                  ListSource{"easyprivacy", Category::tracking, "||t.co/x\n"}},
                                 {SourceFingerprint{"easylist", 10, 20, 30}});
  const auto img = e.matcher().image();
  return {img.begin(), img.end()};
}

}  // namespace

TEST_CASE("an intact image loads and matches", "[image]") {
  CHECK(load_and_match(built_image()));
  // OPTGUARD_WRITE_ENGINE_SEED=FILE writes this image as a fuzz seed (after a format change:
  // tests/fuzz/corpus/engine_image/small.bin).
  if (const char* seed = std::getenv("OPTGUARD_WRITE_ENGINE_SEED")) {
    const std::vector<std::byte> img = built_image();
    std::ofstream out(seed, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(img.data()), static_cast<std::streamsize>(img.size()));
    CHECK(out.good());
  }
}

TEST_CASE("every fuzz regression seed is refused or answered safely", "[image]") {
  const fs::path dir = fs::path(OPTGUARD_FILTERS_TEST_DIR) / "../../fuzz/corpus/engine_image";
  REQUIRE(fs::is_directory(dir));
  std::size_t seen = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::vector<char> raw((std::istreambuf_iterator<char>(in)), {});
    std::vector<std::byte> bytes(raw.size());
    if (!raw.empty()) std::memcpy(bytes.data(), raw.data(), raw.size());
    INFO(entry.path().filename().string());
    (void)load_and_match(std::move(bytes));
    ++seen;
  }
  CHECK(seen >= 3);
}

TEST_CASE("every 32-bit word of an image overwritten: refused or answered safely", "[image]") {
  std::vector<std::byte> img = built_image();
  std::size_t refused = 0;
  std::size_t tried = 0;
  for (const std::uint32_t value : {0U, 1U, 0xFFFFFFFFU, 0x7FFFFFF8U, 0x10000U, 0x12345U}) {
    for (std::size_t at = 0; at + 4 <= img.size(); at += 4) {
      if (in_bitset(img, at) && at % 4096 != 0) continue;
      std::uint32_t saved;
      std::memcpy(&saved, img.data() + at, 4);
      std::memcpy(img.data() + at, &value, 4);
      if (!load_and_match(std::span<const std::byte>(img))) ++refused;
      std::memcpy(img.data() + at, &saved, 4);
      ++tried;
    }
  }
  CHECK(tried > 1000);
  CHECK(refused > 0);
  CHECK(load_and_match(std::span<const std::byte>(img)));  // restored intact
}

TEST_CASE("random multi-word damage: refused or answered safely", "[image]") {
  std::vector<std::byte> img = built_image();
  const std::vector<std::byte> good = img;
  std::vector<std::size_t> words;  // every word outside the bitsets
  for (std::size_t at = 0; at + 4 <= img.size(); at += 4) {
    if (!in_bitset(img, at)) words.push_back(at);
  }
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 3000; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 4);
    std::size_t touched[4];
    for (int k = 0; k < n; ++k) {
      touched[k] = words[rng() % words.size()];
      const auto v = static_cast<std::uint32_t>((rng() & 1) != 0 ? rng() : rng() % 64);
      std::memcpy(img.data() + touched[k], &v, 4);
    }
    (void)load_and_match(std::span<const std::byte>(img));
    for (int k = 0; k < n; ++k) std::memcpy(img.data() + touched[k], good.data() + touched[k], 4);
  }
  CHECK(img == good);
}

TEST_CASE("truncated images are refused", "[image]") {
  const std::vector<std::byte> good = built_image();
  for (std::size_t n :
       {std::size_t{0}, std::size_t{7}, std::size_t{64}, good.size() / 2, good.size() - 8}) {
    CHECK_FALSE(load_and_match(
        std::vector<std::byte>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n))));
  }
}

TEST_CASE("regex size limits: real-list shapes pass, stack and memory bombs do not",
          "[image][parser]") {
  CHECK(regex_within_limits("\\/ad[0-9]{1,3}\\/"));
  CHECK(regex_within_limits("^https?:\\/\\/([a-z0-9-]+\\.)+[a-z]{2,}\\/[a-z0-9]{100}$"));
  CHECK_FALSE(regex_within_limits(std::string(20, '(') + "a" + std::string(20, ')')));
  CHECK_FALSE(regex_within_limits("a{1000}{1000}"));
  CHECK_FALSE(regex_within_limits("(a{300}){300}"));
  CHECK_FALSE(regex_within_limits(std::string(5000, 'a')));
  CHECK(regex_within_limits("a{"));  // a literal brace
  // The parser skips what the loader would refuse.
  CHECK_FALSE(parse_filter_line("/a{1000}{1000}/$script").filter);
  CHECK(parse_filter_line("/\\/ad[0-9]{1,3}\\//$script").filter);
}
