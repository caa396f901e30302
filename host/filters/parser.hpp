#pragma once
// Parser for one line of an EasyList / uBlock Origin filter list (network filters only).
//
// Every line gets a verdict: a NetworkFilter, or a SkipReason saying why it is not one
// (comment, cosmetic, an option the engine does not enforce, malformed, ...). The parser
// never throws on list content: a malformed line is skipped and counted, the list loads.
//
// Example: parse_filter_line("||ads.example^$script,3p") ->
//   filter = {pattern "ads.example^", hostname_anchored, types = script, party = third}

#include <optional>
#include <string>
#include <string_view>

#include "filters/filter.hpp"

namespace optguard::filters {

enum class SkipReason : std::uint8_t {
  none,                // a filter was produced
  empty,               // blank line
  comment,             // `! ...`, `# ...`, `[Adblock Plus 2.0]`
  metadata,            // `! Title: ...` style header lines
  cosmetic,            // `##`, `#@#`, `#?#`, `#$#`, `#%#` element hiding / CSS
  scriptlet,           // `##+js(...)`, `#%#//scriptlet(...)`
  html_filter,         // `##^...` HTML filtering
  unsupported_option,  // an option the engine recognises but does not enforce (csp, removeparam,
                       // ...)
  unknown_option,      // an option nobody knows: uBO drops the filter too
  malformed,           // broken syntax: bad regex, empty pattern with no domain, ...
  preprocessor,        // `!#if`, `!#include` directives
};
inline constexpr int kSkipReasonCount = 11;

// Stable snake_case name, e.g. "unsupported_option".
std::string_view skip_reason_name(SkipReason reason);

struct ParseResult {
  std::optional<NetworkFilter> filter;
  SkipReason reason = SkipReason::none;
  std::string detail;  // e.g. the option that was not supported: "csp"
};

// Parses one line (leading/trailing whitespace is ignored).
ParseResult parse_filter_line(std::string_view line);

// True when a regex filter's source is small enough to compile and run safely with
// std::regex: at most 4096 characters, groups nested at most 8 deep, and a bounded number of
// automaton states once `{n,m}` repetitions are expanded (libstdc++ copies the repeated atom),
// e.g. `a{1000}{1000}` is refused. The parser skips a regex beyond these limits as malformed and
// the compiled-cache loader refuses an image holding one (deep nesting would overflow the
// compiler's stack, huge repetitions exhaust memory).
bool regex_within_limits(std::string_view source);

}  // namespace optguard::filters
