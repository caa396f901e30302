// The compiled-cache image loader must refuse any damaged image it cannot answer from safely:
// whatever it accepts, the matcher can match with (run under ASan/UBSan by scripts/test.sh).
#include <catch2/catch.hpp>
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

const char* const kRequests[][3] = {
    {"https://ads.example.com/banner/ad.gif", "https://news.example/", "image"},
    {"https://t.co/x?y=1", "https://news.example/", "script"},
    {"https://cdn.tracker.example/p.gif?id=1", "https://shop.example.co.uk/", "ping"},
    {"https://x.com/ad12/y", "https://www.x.com/", "xmlhttprequest"},
    {"https://a.example/ok/x", "https://s.com/", "sub_frame"},
    {"data:text/plain,hello", "", "other"},
};

// Loads `bytes` as an image; when accepted, answers every request. True when accepted.
bool load_and_match(std::vector<std::byte> bytes) {
  try {
    const Engine e(Matcher::from_image(std::make_shared<Bytes>(std::move(bytes))));
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
  const std::vector<std::byte> good = built_image();
  std::size_t refused = 0;
  for (const std::uint32_t value : {0U, 1U, 0xFFFFFFFFU, 0x7FFFFFF8U, 0x10000U, 0x12345U}) {
    for (std::size_t at = 0; at + 4 <= good.size(); at += 4) {
      std::vector<std::byte> b = good;
      std::memcpy(b.data() + at, &value, 4);
      if (!load_and_match(std::move(b))) ++refused;
    }
  }
  CHECK(refused > 0);
}

TEST_CASE("random multi-word damage: refused or answered safely", "[image]") {
  const std::vector<std::byte> good = built_image();
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<std::byte> b = good;
    const int n = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < n; ++k) {
      const std::size_t at = (rng() % (b.size() / 4)) * 4;
      const auto v = static_cast<std::uint32_t>((rng() & 1) != 0 ? rng() : rng() % 64);
      std::memcpy(b.data() + at, &v, 4);
    }
    (void)load_and_match(std::move(b));
  }
  SUCCEED();
}

TEST_CASE("truncated images are refused", "[image]") {
  const std::vector<std::byte> good = built_image();
  for (std::size_t n :
       {std::size_t{0}, std::size_t{7}, std::size_t{64}, good.size() / 2, good.size() - 8}) {
    CHECK_FALSE(load_and_match({good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)}));
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
