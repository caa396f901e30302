#pragma once
// A parsed network filter (EasyList / uBlock Origin syntax) — the one shape shared by
// the parser, the matcher, the compiled cache and the DNR compiler.
//
// Example: `||tracker.example^$image,third-party,domain=a.com|~b.a.com`
//   pattern_kind = hostname_anchored, pattern = "tracker.example^", types = image,
//   party = third, from.include = {a.com}, from.exclude = {b.a.com}

#include <cstdint>
#include <string>
#include <vector>

namespace optguard::filters {

// The category a list carries (one per list). Switchable at match time.
enum class Category : std::uint8_t { advertising, tracking, social, custom, learned };
inline constexpr int kCategoryCount = 5;

// Request types as bits, in webRequest naming. `ping` covers sendBeacon and <a ping>.
enum TypeBit : std::uint32_t {
  kMainFrame = 1U << 0,
  kSubFrame = 1U << 1,
  kStylesheet = 1U << 2,
  kScript = 1U << 3,
  kImage = 1U << 4,
  kFont = 1U << 5,
  kObject = 1U << 6,
  kXmlHttpRequest = 1U << 7,
  kPing = 1U << 8,
  kMedia = 1U << 9,
  kWebSocket = 1U << 10,
  kOther = 1U << 11,
  kPopup = 1U << 12,  // only matched by filters that name it
};
// What a filter with no type option applies to (uBO: everything but document and popup).
inline constexpr std::uint32_t kDefaultTypes = kSubFrame | kStylesheet | kScript | kImage | kFont |
                                               kObject | kXmlHttpRequest | kPing | kMedia |
                                               kWebSocket | kOther;
inline constexpr std::uint32_t kAllTypes = kDefaultTypes | kMainFrame | kPopup;

enum class Party : std::uint8_t { any, first, third };

enum class PatternKind : std::uint8_t {
  plain,              // `ads/banner` — matches anywhere in the URL
  left_anchored,      // `|https://x` — matches at the URL's start
  hostname_anchored,  // `||example.com^` — starts at a hostname label boundary
  regex,              // `/banner\d+/` — pattern holds the regex source without slashes
  hostname_only,      // a hosts-file line or a bare `||host^` with nothing after: the host and its
                      // subdomains
};

// A domain list from `domain=`/`from=`, `to=` or `denyallow=`. Entries are lowercase
// ASCII (punycode); an entity entry keeps its `.*` suffix, e.g. "google.*".
struct DomainList {
  std::vector<std::string> include;
  std::vector<std::string> exclude;  // the `~` entries
  bool empty() const { return include.empty() && exclude.empty(); }
};

struct NetworkFilter {
  std::string raw;      // the line as written in the list (trimmed)
  std::string pattern;  // anchors and options stripped; lowercase unless match_case
                        // (a regex keeps its source as written: it matches case-
                        // insensitively unless match_case; a hostname_only filter
                        // holds the bare hostname, e.g. "tracker.example")
  PatternKind pattern_kind = PatternKind::plain;
  bool right_anchored = false;  // trailing `|`
  bool exception = false;       // `@@`
  bool important = false;
  bool badfilter = false;
  bool match_case = false;
  bool redirect = false;  // `redirect=` (`rewrite=`, `empty`, `mp4`): a block for the verdict;
                          // `redirect-rule=` never blocks by itself (uBO) and is skipped
  std::uint32_t types = kDefaultTypes;
  Party party = Party::any;
  DomainList from;       // `domain=` / `from=`
  DomainList to;         // `to=`
  DomainList denyallow;  // `denyallow=` (request hosts the filter does NOT apply to)
};

}  // namespace optguard::filters
