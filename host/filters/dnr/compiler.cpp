#include "filters/dnr/compiler.hpp"

#include <idn2.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <utility>
#include <variant>

namespace optguard::filters::dnr {

namespace {

// Filter type bit -> DNR resourceType, in the set both browsers accept in a static rule
// (Firefox's ResourceType enum has no webtransport/webbundle; Chrome's has no beacon).
struct TypeName {
  std::uint32_t bit;
  const char* name;
};
constexpr std::array<TypeName, 12> kTypeNames{{{kMainFrame, "main_frame"},
                                               {kSubFrame, "sub_frame"},
                                               {kStylesheet, "stylesheet"},
                                               {kScript, "script"},
                                               {kImage, "image"},
                                               {kFont, "font"},
                                               {kObject, "object"},
                                               {kXmlHttpRequest, "xmlhttprequest"},
                                               {kPing, "ping"},
                                               {kMedia, "media"},
                                               {kWebSocket, "websocket"},
                                               {kOther, "other"}}};

// Suffixes an entity domain (`example.*`) is approximated with: DNR has no wildcard TLD.
constexpr std::array<const char*, 24> kEntitySuffixes{
    "com",    "net",    "org",   "de", "fr",    "it", "es", "nl", "pl", "ru", "co.uk",  "ca",
    "com.au", "com.br", "co.jp", "jp", "co.in", "in", "be", "ch", "at", "se", "com.mx", "com.tr"};

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// What Firefox's schema calls a canonicalDomain: `new URL("http://" + d).hostname === d`.
// Lowercase letters, digits, '-', '_', '.'; a last label of digits only makes the whole
// thing an IPv4 address, which must then be in canonical dotted-decimal form.
bool is_canonical_domain(std::string_view d) {
  if (d.empty() || d.front() == '.' || d.find("..") != std::string_view::npos) return false;
  for (char c : d) {
    if (!(is_digit(c) || (c >= 'a' && c <= 'z') || c == '-' || c == '_' || c == '.')) return false;
  }
  std::string_view trimmed = d.back() == '.' ? d.substr(0, d.size() - 1) : d;
  const auto last_dot = trimmed.rfind('.');
  std::string_view last =
      last_dot == std::string_view::npos ? trimmed : trimmed.substr(last_dot + 1);
  if (last.empty() || !std::all_of(last.begin(), last.end(), is_digit)) return true;
  // IPv4: exactly four parts 0..255, no leading zeros, no trailing dot.
  if (trimmed.size() != d.size()) return false;
  int parts = 0;
  std::size_t start = 0;
  while (start <= d.size()) {
    const auto end = d.find('.', start);
    const auto part =
        d.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), is_digit))
      return false;
    if (part.size() > 1 && part.front() == '0') return false;
    if (std::atoi(std::string(part).c_str()) > 255) return false;
    ++parts;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts == 4;
}

std::string percent_encode_non_ascii(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      out += c;
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    }
  }
  return out;
}

// Collects what a translation loses or why it fails, then builds the Translation.
struct Builder {
  Translation t;
  void lose(std::string what) { t.losses.push_back(std::move(what)); }
  Translation drop(std::string why) {
    Translation d;
    d.outcome = Outcome::dropped;
    d.reason = std::move(why);
    return d;
  }
};

// Converts one domain list entry; entity entries expand (a loss), bad ones are left out
// (a loss). Returns the DNR domains.
std::vector<std::string> convert_domains(const std::vector<std::string>& entries,
                                         const char* option, Builder& b) {
  std::vector<std::string> out;
  for (const auto& e : entries) {
    if (e.size() > 2 && e.ends_with(".*")) {
      const std::string base = e.substr(0, e.size() - 2);
      const auto ascii = to_ascii_host(base);
      if (!ascii || !is_canonical_domain(*ascii)) {
        b.lose(std::string("domain left out (") + option + e + ")");
        continue;
      }
      for (const char* suffix : kEntitySuffixes) out.push_back(*ascii + "." + suffix);
      b.lose(std::string("entity domain approximated by ") +
             std::to_string(kEntitySuffixes.size()) + " common suffixes (" + option + e + ")");
      continue;
    }
    const auto ascii = to_ascii_host(e);
    if (!ascii || !is_canonical_domain(*ascii)) {
      b.lose(std::string("domain left out (") + option + e + ")");
      continue;
    }
    out.push_back(*ascii);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// A hostname pattern `host^` (or hostname_only `host`) that can be requestDomains.
std::optional<std::string> pure_hostname(const NetworkFilter& f) {
  std::string_view p = f.pattern;
  if (f.pattern_kind == PatternKind::hostname_only) {
    if (p.ends_with('^')) p.remove_suffix(1);
  } else if (f.pattern_kind == PatternKind::hostname_anchored && !f.right_anchored) {
    if (!p.ends_with('^')) return std::nullopt;
    p.remove_suffix(1);
  } else {
    return std::nullopt;
  }
  if (p.empty() || p.find_first_of("/^*|:?=&") != std::string_view::npos) return std::nullopt;
  return std::string(p);
}

// urlFilter for a non-regex pattern, or a drop reason.
std::variant<std::string, std::string> url_filter(const NetworkFilter& f, Builder& b, bool& empty) {
  std::string p = f.pattern;
  std::string prefix;
  bool host_first = false;
  switch (f.pattern_kind) {
    case PatternKind::hostname_anchored:
    case PatternKind::hostname_only:
      prefix = "||";
      host_first = true;
      break;
    case PatternKind::left_anchored:
      prefix = "|";
      break;
    default:
      break;
  }
  if (f.pattern_kind == PatternKind::hostname_only && !p.ends_with('^')) p += '^';
  if (prefix == "||" && p.starts_with('*')) {
    // `||*x` is `*x`; DNR rejects the former (both browsers).
    prefix.clear();
    host_first = false;
  }
  if (p.find('|') != std::string::npos) {
    return std::variant<std::string, std::string>(
        std::in_place_index<1>, "'|' inside the pattern (DNR allows it only at the ends)");
  }
  if (!is_ascii(p)) {
    std::size_t host_start = std::string::npos;
    if (host_first) {
      host_start = 0;
    } else if (const auto scheme = p.find("://"); scheme != std::string::npos && prefix == "|") {
      host_start = scheme + 3;
    }
    if (host_start != std::string::npos) {
      const auto host_end = p.find_first_of("/^*:?|", host_start);
      const std::string host = p.substr(
          host_start, host_end == std::string::npos ? std::string::npos : host_end - host_start);
      const auto ascii = to_ascii_host(host);
      if (!ascii) {
        return std::variant<std::string, std::string>(std::in_place_index<1>,
                                                      "non-ASCII hostname that is not a valid IDN");
      }
      const std::string rest = host_end == std::string::npos ? "" : p.substr(host_end);
      p = p.substr(0, host_start) + *ascii + percent_encode_non_ascii(rest);
    } else {
      p = percent_encode_non_ascii(p);
      b.lose("non-ASCII text percent-encoded (matches it in paths and queries, not in hostnames)");
    }
  }
  // Leading and trailing `*` are implicit in urlFilter; a pattern of only `*` matches all.
  while (prefix.empty() && p.starts_with('*')) p.erase(0, 1);
  while (!f.right_anchored && p.ends_with('*')) p.pop_back();
  if (p.empty() && prefix != "|") {
    empty = true;
    return std::variant<std::string, std::string>(std::in_place_index<0>, "");
  }
  std::string out = prefix + p;
  if (f.right_anchored) out += '|';
  return std::variant<std::string, std::string>(std::in_place_index<0>, out);
}

// Ranges of a character class body (between the brackets), counting a letter range twice
// (RE2 folds case unless match-case) and a negated class as many (it takes UTF-8 ranges).
long class_ranges(std::string_view body) {
  long n = 0;
  bool negated = false;
  if (!body.empty() && body.front() == '^') {
    negated = true;
    body.remove_prefix(1);
  }
  for (std::size_t i = 0; i < body.size();) {
    char a = body[i], b = a;
    if (a == '\\' && i + 1 < body.size()) {
      const char e = body[i + 1];
      i += 2;
      if (e == 'w')
        n += 6;
      else if (e == 's')
        n += 2;
      else  // \d and any other escape
        n += 1;
      continue;
    }
    if (i + 2 < body.size() && body[i + 1] == '-' && body[i + 2] != '\\') {
      b = body[i + 2];
      i += 3;
    } else {
      i += 1;
    }
    n += is_alpha(a) && is_alpha(b) ? 2 : 1;
  }
  return negated ? n + 8 : n;
}

}  // namespace

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::exact:
      return "exact";
    case Outcome::lossy:
      return "lossy";
    case Outcome::dropped:
      return "dropped";
  }
  return "dropped";
}

std::optional<std::string> to_ascii_host(std::string_view host) {
  if (is_ascii(host)) {
    std::string out(host);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
  }
  char* raw = nullptr;
  const std::string input(host);
  const int rc = idn2_to_ascii_8z(input.c_str(), &raw, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  std::unique_ptr<char, decltype(&idn2_free)> owned(raw, &idn2_free);
  if (rc != IDN2_OK || !owned) return std::nullopt;
  return std::string(owned.get());
}

std::optional<std::string> regex_rejection(std::string_view re, const Limits& limits) {
  if (re.empty()) return "empty regex";
  if (!is_ascii(re)) return "non-ASCII regex";
  if (re.size() > limits.max_regex_length) {
    return "regex longer than " + std::to_string(limits.max_regex_length) +
           " characters (Chromium drops regexes over its RE2 memory cap)";
  }
  int depth = 0;
  bool in_class = false;
  bool can_repeat = false;  // the previous item is something a quantifier may follow
  bool last_was_quantifier = false;
  std::vector<bool> group_has_counted;  // per open group: holds a counted repetition
  bool last_group_has_counted = false;
  // Estimated size of the RE2 program (docs/dnr.md, "Regexes"): `cost` so far, `last` the
  // cost of the item a quantifier would repeat, `group_cost` the cost where each open group began.
  long cost = 0, last = 0;
  std::vector<long> group_cost;
  std::size_t class_start = 0;
  for (std::size_t i = 0; i < re.size(); ++i) {
    const char c = re[i];
    if (c == '\\') {
      if (i + 1 >= re.size()) return "regex ends with a lone backslash";
      const char e = re[++i];
      if (is_digit(e)) return "backreference or octal escape (\\" + std::string(1, e) + ")";
      if (e == 'x') {
        if (i + 2 >= re.size() || !is_hex(re[i + 1]) || !is_hex(re[i + 2]))
          return "\\x needs two hex digits";
        i += 2;
      } else if (is_alpha(e)) {
        static constexpr std::string_view kShared = "dDwWsSnrtfv";
        const bool boundary = (e == 'b' || e == 'B') && !in_class;
        if (kShared.find(e) == std::string_view::npos && !boundary) {
          return "escape \\" + std::string(1, e) + " differs between RE2 and JavaScript";
        }
      }
      if (!in_class) {
        last = e == 'w'                             ? 7
               : e == 'd'                           ? 1
               : e == 's'                           ? 3
               : (e == 'W' || e == 'D' || e == 'S') ? 10
                                                    : 1;
        cost += last;
      }
      can_repeat = !in_class;
      last_was_quantifier = false;
      last_group_has_counted = false;
      continue;
    }
    if (in_class) {
      if (c == '[' && i + 1 < re.size() && re[i + 1] == ':') return "POSIX class [: :] (RE2 only)";
      if (c == ']') {
        in_class = false;
        last = 2 * class_ranges(re.substr(class_start + 1, i - class_start - 1)) - 1;
        cost += last;
        can_repeat = true;
        last_was_quantifier = false;
        last_group_has_counted = false;
      }
      continue;
    }
    switch (c) {
      case '[':
        if (re.substr(i).starts_with("[]") || re.substr(i).starts_with("[^]")) {
          return "empty or negated-empty class (JavaScript only)";
        }
        in_class = true;
        class_start = i;
        // `]` right after `[` or `[^` is a literal in both engines: skip it.
        if (i + 1 < re.size() && re[i + 1] == '^') ++i;
        if (i + 1 < re.size() && re[i + 1] == ']') ++i;
        break;
      case '(':
        if (i + 1 < re.size() && re[i + 1] == '?') {
          if (i + 2 < re.size() && re[i + 2] == ':') {
            i += 2;
          } else {
            return "lookaround, named group or inline flag ((?" +
                   std::string(re.substr(i + 2, std::min<std::size_t>(2, re.size() - i - 2))) + ")";
          }
        }
        ++depth;
        group_cost.push_back(cost);
        group_has_counted.push_back(false);
        can_repeat = false;
        last_was_quantifier = false;
        break;
      case ')':
        if (depth == 0) return "unbalanced ')'";
        --depth;
        last = cost - group_cost.back() + 1;
        group_cost.pop_back();
        cost += 1;
        last_group_has_counted = group_has_counted.back();
        group_has_counted.pop_back();
        if (last_group_has_counted && !group_has_counted.empty()) group_has_counted.back() = true;
        can_repeat = true;
        last_was_quantifier = false;
        break;
      case '*':
      case '+':
      case '?':
        cost += 1;
        last = 0;
        if (c == '?' && last_was_quantifier) {  // lazy quantifier: both engines
          last_was_quantifier = false;
          can_repeat = false;
          break;
        }
        if (!can_repeat) return std::string("nothing to repeat before '") + c + "'";
        can_repeat = false;
        last_was_quantifier = true;
        break;
      case '{': {
        const auto close = re.find('}', i);
        if (close == std::string_view::npos) return "'{' without a repetition (engines disagree)";
        const std::string body(re.substr(i + 1, close - i - 1));
        const auto comma = body.find(',');
        const std::string lo = body.substr(0, comma);
        const std::string hi = comma == std::string::npos ? lo : body.substr(comma + 1);
        auto digits = [](const std::string& s) {
          return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
        };
        if (!digits(lo) || (!hi.empty() && !digits(hi)))
          return "'{' without a repetition (engines disagree)";
        if (!can_repeat) return "nothing to repeat before '{'";
        const long bound = std::atol((hi.empty() ? lo : hi).c_str());
        const long low = std::atol(lo.c_str());
        if (low > limits.max_regex_repeat || bound > limits.max_regex_repeat ||
            (!hi.empty() && bound < low)) {
          return "repetition {" + body + "} over " + std::to_string(limits.max_regex_repeat) +
                 " (RE2 memory cap)";
        }
        if (last_group_has_counted) return "nested counted repetitions (RE2 memory cap)";
        if (comma == std::string::npos)
          cost += last * (low - 1);  // {n}
        else if (hi.empty())
          cost += last * low + 1;  // {n,}
        else
          cost += last * (bound - 1) + (bound - low);  // {n,m}
        last = 0;
        if (!group_has_counted.empty()) group_has_counted.back() = true;
        i = close;
        can_repeat = false;
        last_was_quantifier = true;
        break;
      }
      case '|':
      case '^':
      case '$':
        cost += 1;
        last = 0;
        can_repeat = false;
        last_was_quantifier = false;
        last_group_has_counted = false;
        break;
      default:
        last = c == '.' ? 8 : 1;  // `.` is several UTF-8 byte ranges in RE2
        cost += last;
        can_repeat = true;
        last_was_quantifier = false;
        last_group_has_counted = false;
        break;
    }
  }
  if (in_class) return "unterminated character class";
  if (depth != 0) return "unbalanced '('";
  if (cost > limits.max_regex_cost) {
    return "estimated RE2 program too large (" + std::to_string(cost) + " > " +
           std::to_string(limits.max_regex_cost) +
           "): Chromium ignores regexes over its 2 KB memory limit";
  }
  return std::nullopt;
}

Translation translate(const NetworkFilter& f, const Limits& limits) {
  Builder b;
  Json cond = Json::object();
  Json action = Json::object();

  // Resource types.
  std::uint32_t types = f.types;
  if (types & kPopup) {
    types &= ~static_cast<std::uint32_t>(kPopup);
    if (types == 0) return b.drop("popup filter (DNR cannot see popups)");
    b.lose("popup type left out (DNR cannot see popups)");
  }
  if (types == 0) return b.drop("no request type left");
  const bool document_exception = f.exception && (types & kMainFrame) != 0;

  if (f.exception) {
    if (document_exception) {
      // `@@…$document`: stop every rule on matching pages, as uBO does.
      action["type"] = "allowAllRequests";
      if (types & ~static_cast<std::uint32_t>(kMainFrame | kSubFrame)) {
        b.lose("exception types other than document left out (allowAllRequests covers the page)");
      }
      cond["resourceTypes"] = Json::array({"main_frame", "sub_frame"});
    } else {
      action["type"] = "allow";
    }
  } else {
    action["type"] = "block";
  }
  if (f.redirect) b.lose("redirect resource replaced by a block");

  if (!document_exception && types != kDefaultTypes) {
    // Firefox has its own types for some loads that a filter's `image` or `ping` means too:
    // srcset/<picture> images are `imageset`, sendBeacon is `beacon`. Chrome rejects those
    // names, so such filters name what they do NOT match instead (excludedResourceTypes),
    // which lets Firefox's extra types through (docs/dnr.md, "Resource types").
    Json names = Json::array();
    if ((types & (kImage | kPing)) != 0) {
      for (const auto& t : kTypeNames) {
        if ((types & t.bit) == 0) names.push_back(t.name);
      }
      if ((types & kOther) == 0) names.push_back("csp_report");
    }
    if (!names.empty()) {
      cond["excludedResourceTypes"] = std::move(names);
    } else {
      for (const auto& t : kTypeNames) {
        if (types & t.bit) names.push_back(t.name);
      }
      cond["resourceTypes"] = std::move(names);
    }
  }

  // Party.
  if (f.party == Party::first) cond["domainType"] = "firstParty";
  if (f.party == Party::third) cond["domainType"] = "thirdParty";

  // domain= -> initiator domains.
  if (!f.from.include.empty()) {
    auto d = convert_domains(f.from.include, "domain=", b);
    if (d.empty())
      return b.drop("no domain= entry can be expressed (the rule would apply everywhere)");
    cond["initiatorDomains"] = std::move(d);
  }
  if (!f.from.exclude.empty()) {
    auto d = convert_domains(f.from.exclude, "domain=~", b);
    if (!d.empty()) cond["excludedInitiatorDomains"] = std::move(d);
  }
  // to= and denyallow= -> request domains.
  std::vector<std::string> request_include;
  if (!f.to.include.empty()) {
    request_include = convert_domains(f.to.include, "to=", b);
    if (request_include.empty())
      return b.drop("no to= entry can be expressed (the rule would apply everywhere)");
  }
  std::vector<std::string> request_exclude;
  if (!f.to.exclude.empty()) request_exclude = convert_domains(f.to.exclude, "to=~", b);
  if (!f.denyallow.include.empty()) {
    auto d = convert_domains(f.denyallow.include, "denyallow=", b);
    request_exclude.insert(request_exclude.end(), d.begin(), d.end());
  }
  if (!f.denyallow.exclude.empty()) b.lose("negated denyallow= entries ignored");

  // Pattern.
  if (f.pattern_kind == PatternKind::regex) {
    if (auto why = regex_rejection(f.pattern, limits))
      return b.drop("regex not usable in DNR: " + *why);
    cond["regexFilter"] = f.pattern;
    b.t.regex = true;
  } else if (auto host = pure_hostname(f); host && request_include.empty()) {
    const auto ascii = to_ascii_host(*host);
    if (!ascii || !is_canonical_domain(*ascii)) {
      // Not a domain DNR accepts (e.g. a partial label): keep it as a urlFilter.
      bool empty = false;
      auto uf = url_filter(f, b, empty);
      if (uf.index() == 1) return b.drop(std::get<1>(uf));
      if (!empty) cond["urlFilter"] = std::get<0>(uf);
    } else {
      request_include.push_back(*ascii);
    }
  } else {
    bool empty = false;
    auto uf = url_filter(f, b, empty);
    if (uf.index() == 1) return b.drop(std::get<1>(uf));
    if (!empty) cond["urlFilter"] = std::get<0>(uf);
  }
  if (f.match_case && (cond.contains("urlFilter") || cond.contains("regexFilter"))) {
    cond["isUrlFilterCaseSensitive"] = true;
  }
  if (!request_include.empty()) {
    std::sort(request_include.begin(), request_include.end());
    request_include.erase(std::unique(request_include.begin(), request_include.end()),
                          request_include.end());
    cond["requestDomains"] = request_include;
  }
  if (!request_exclude.empty()) {
    std::sort(request_exclude.begin(), request_exclude.end());
    request_exclude.erase(std::unique(request_exclude.begin(), request_exclude.end()),
                          request_exclude.end());
    cond["excludedRequestDomains"] = request_exclude;
  }

  int priority = kPriorityBlock;
  if (f.exception)
    priority = kPriorityAllow;
  else if (f.important)
    priority = kPriorityImportant;
  if (f.exception && f.important) b.lose("important on an exception has no meaning (ignored)");

  Json rule = Json::object();
  rule["priority"] = priority;
  rule["action"] = std::move(action);
  rule["condition"] = std::move(cond);
  b.t.rule = std::move(rule);
  b.t.outcome = b.t.losses.empty() ? Outcome::exact : Outcome::lossy;
  return std::move(b.t);
}

namespace {

// Two filters are twins when they differ only in `badfilter` (and how they were written).
std::string twin_key(const NetworkFilter& f) {
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  Json k = {f.pattern,
            static_cast<int>(f.pattern_kind),
            f.right_anchored,
            f.exception,
            f.important,
            f.match_case,
            f.redirect,
            f.types,
            static_cast<int>(f.party),
            sorted(f.from.include),
            sorted(f.from.exclude),
            sorted(f.to.include),
            sorted(f.to.exclude),
            sorted(f.denyallow.include),
            sorted(f.denyallow.exclude)};
  return k.dump();
}

// Rules that differ only in requestDomains merge into one (hostname lists).
bool mergeable(const Json& rule) {
  const auto& c = rule["condition"];
  return c.contains("requestDomains") && !c.contains("urlFilter") && !c.contains("regexFilter") &&
         c["requestDomains"].size() == 1;
}

std::string merge_key(const Json& rule) {
  Json copy = rule;
  copy["condition"].erase("requestDomains");
  return copy.dump();
}

void count(Ruleset& rs, Outcome o) {
  if (o == Outcome::exact)
    ++rs.exact;
  else if (o == Outcome::lossy)
    ++rs.lossy;
  else
    ++rs.dropped;
}

}  // namespace

Ruleset compile_ruleset(std::string id, const std::vector<NetworkFilter>& filters, Budget& budget,
                        const Limits& limits) {
  Ruleset rs;
  rs.id = std::move(id);

  // badfilter: collect the keys to cancel first (a badfilter may come before its twin).
  std::map<std::string, std::string> cancelled;  // twin key -> the badfilter line
  for (const auto& f : filters) {
    if (f.badfilter) cancelled.emplace(twin_key(f), f.raw);
  }

  struct Merged {
    std::size_t index;  // into rs.rules
  };
  std::map<std::string, Merged> merged;

  for (const auto& f : filters) {
    FilterReport r;
    r.filter = f.raw;
    if (f.badfilter) {
      r.outcome = Outcome::dropped;
      r.reason = "badfilter (cancels its twin; no rule of its own)";
    } else if (auto it = cancelled.find(twin_key(f)); it != cancelled.end()) {
      r.outcome = Outcome::dropped;
      r.reason = "cancelled by badfilter (" + it->second + ")";
    } else {
      Translation t = translate(f, limits);
      r.outcome = t.outcome;
      r.losses = t.losses;
      r.reason = t.reason;
      if (t.rule) {
        Json& rule = *t.rule;
        const bool can_merge = mergeable(rule);
        std::string key;
        if (can_merge) key = merge_key(rule);
        auto m = can_merge ? merged.find(key) : merged.end();
        if (m != merged.end()) {
          Json& target = rs.rules[m->second.index];
          target["condition"]["requestDomains"].push_back(rule["condition"]["requestDomains"][0]);
          r.rule_id = target["id"].get<int>();
          if (target["condition"]["requestDomains"].size() >= limits.max_merged_domains)
            merged.erase(m);
        } else if (budget.rules == 0 || budget.next_id > budget.last_id) {
          r.outcome = Outcome::dropped;
          r.losses.clear();
          r.reason = "over the rule budget (" + std::to_string(limits.static_rules) +
                     " rules for all rulesets)";
        } else if (t.regex && budget.regex_rules == 0) {
          r.outcome = Outcome::dropped;
          r.losses.clear();
          r.reason =
              "over the regex rule budget (" + std::to_string(limits.static_regex_rules) + ")";
        } else {
          const int rule_id = budget.next_id++;
          --budget.rules;
          if (t.regex) {
            --budget.regex_rules;
            ++rs.regex_rules;
          }
          Json out = Json::object();
          out["id"] = rule_id;
          out["priority"] = rule["priority"];
          out["action"] = rule["action"];
          out["condition"] = rule["condition"];
          rs.rules.push_back(std::move(out));
          r.rule_id = rule_id;
          if (can_merge) merged.emplace(key, Merged{rs.rules.size() - 1});
        }
      }
    }
    count(rs, r.outcome);
    rs.filters.push_back(std::move(r));
  }
  // Keep merged domain lists in a stable order.
  for (auto& rule : rs.rules) {
    auto& c = rule["condition"];
    if (c.contains("requestDomains") && c["requestDomains"].size() > 1) {
      auto v = c["requestDomains"].get<std::vector<std::string>>();
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
      c["requestDomains"] = v;
    }
  }
  return rs;
}

Json report_json(const Ruleset& rs, bool with_filters) {
  // Aggregate reasons by their text before " (" so counts group the same cause.
  auto head = [](const std::string& s) {
    const auto p = s.find(" (");
    return p == std::string::npos ? s : s.substr(0, p);
  };
  std::map<std::string, std::size_t> losses, drops;
  for (const auto& f : rs.filters) {
    if (f.outcome == Outcome::lossy) {
      std::set<std::string> seen;
      for (const auto& l : f.losses) {
        if (seen.insert(head(l)).second) ++losses[head(l)];
      }
    }
    if (f.outcome == Outcome::dropped) ++drops[head(f.reason)];
  }
  Json j = {{"id", rs.id},
            {"rules", rs.rules.size()},
            {"regex_rules", rs.regex_rules},
            {"filters",
             {{"total", rs.filters.size()},
              {"exact", rs.exact},
              {"lossy", rs.lossy},
              {"dropped", rs.dropped}}},
            {"losses", losses},
            {"dropped_reasons", drops}};
  if (with_filters) {
    Json list = Json::array();
    for (const auto& f : rs.filters) {
      Json e = {{"filter", f.filter}, {"outcome", outcome_name(f.outcome)}};
      if (f.rule_id) e["rule_id"] = *f.rule_id;
      if (!f.losses.empty()) e["losses"] = f.losses;
      if (!f.reason.empty()) e["reason"] = f.reason;
      list.push_back(std::move(e));
    }
    j["per_filter"] = std::move(list);
  }
  return j;
}

}  // namespace optguard::filters::dnr
