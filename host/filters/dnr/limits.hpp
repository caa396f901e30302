#pragma once
// The declarativeNetRequest limits the compiler keeps to, in ONE table. Each value is the
// smaller of Chrome's and Firefox's, so one set of rulesets loads in both browsers.
//
// Sources (checked 2026-11-29):
//  - Chrome: developer.chrome.com/docs/extensions/reference/api/declarativeNetRequest
//    (GUARANTEED_MINIMUM_STATIC_RULES 30000, MAX_NUMBER_OF_REGEX_RULES 1000,
//    MAX_NUMBER_OF_STATIC_RULESETS 100, MAX_NUMBER_OF_ENABLED_STATIC_RULESETS 50 since
//    Chrome 120, MAX_NUMBER_OF_DYNAMIC_RULES 30000 of which 5000 "unsafe", session 5000);
//    a static ruleset beyond the guaranteed 30000 only loads while the browser-wide global
//    pool (300000, shared by every extension) has room.
//  - Firefox ESR 153: toolkit/components/extensions/ExtensionDNRLimits.sys.mjs
//    (GUARANTEED_MINIMUM_STATIC_RULES 30000, MAX_NUMBER_OF_STATIC_RULESETS 100,
//    MAX_NUMBER_OF_ENABLED_STATIC_RULESETS 20, MAX_NUMBER_OF_DYNAMIC_RULES 5000,
//    MAX_NUMBER_OF_SESSION_RULES 5000, MAX_NUMBER_OF_REGEX_RULES 1000). Firefox has no
//    global pool: ExtensionDNRStore refuses to enable a ruleset once the rules of all
//    enabled rulesets would pass 30000, and its regex counter is shared by all of them.
//
// Choice: the rules of ALL our static rulesets together stay within 30000 and their regex
// rules within 1000, so every ruleset can be enabled at once in both browsers without
// depending on Chrome's global pool (docs/dnr.md, "Limits").

#include <cstddef>

namespace optguard::filters::dnr {

struct Limits {
  // Static rules over all enabled static rulesets of the extension.
  std::size_t static_rules = 30000;
  // regexFilter rules over all enabled static rulesets.
  std::size_t static_regex_rules = 1000;
  // Enabled static rulesets at once (Firefox 20, Chrome 50).
  std::size_t enabled_static_rulesets = 20;
  // Dynamic rules (Firefox 5000, Chrome 30000 of which 5000 "unsafe"); the host hands out
  // ids 1..99999 and keeps to `dynamic_rules_for_host`, leaving the rest to the extension.
  std::size_t dynamic_rules = 5000;
  std::size_t dynamic_rules_for_host = 4000;
  std::size_t dynamic_regex_rules = 1000;
  int first_dynamic_id = 1;
  int last_dynamic_id = 99999;
  // Our own caution for regexFilter: Chromium compiles it with RE2 under a memory cap
  // (2 KB) and silently ignores a regex whose program exceeds it; Firefox compiles it as
  // a JavaScript RegExp. Long or heavily repeated regexes are dropped instead.
  std::size_t max_regex_length = 256;
  int max_regex_repeat = 100;  // largest {n,m} bound accepted
  // Estimated RE2 program size (compiler.cpp, regex_rejection) above which a regex is
  // dropped. Chromium 156 compiles regexFilter under a 2 KB memory limit and skips a rule
  // over it ("exceeded the 2KB memory limit when compiled"); calibrated on the regexes of
  // EasyList/EasyPrivacy with isRegexSupported() in Chromium 156 (tests/dnr): every regex it
  // refused estimates >= 157, every one it took <= 171 — 150 keeps a margin.
  long max_regex_cost = 150;
  // Domains merged into one rule's requestDomains (hostname-only filters with the same
  // options become one rule).
  std::size_t max_merged_domains = 1000;
};

inline constexpr Limits kLimits{};

}  // namespace optguard::filters::dnr
