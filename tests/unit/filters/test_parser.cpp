#include <catch2/catch.hpp>

#include "filters/parser.hpp"

using namespace optguard::filters;

namespace {
NetworkFilter parse_ok(std::string_view line) {
  ParseResult r = parse_filter_line(line);
  INFO(line << " -> " << skip_reason_name(r.reason) << " " << r.detail);
  REQUIRE(r.filter.has_value());
  REQUIRE(r.reason == SkipReason::none);
  return *r.filter;
}
SkipReason skipped(std::string_view line) {
  ParseResult r = parse_filter_line(line);
  INFO(line);
  REQUIRE_FALSE(r.filter.has_value());
  return r.reason;
}
}  // namespace

TEST_CASE("comments, metadata, preprocessor and blank lines are skipped by reason", "[parser]") {
  CHECK(skipped("") == SkipReason::empty);
  CHECK(skipped("   \t") == SkipReason::empty);
  CHECK(skipped("! a comment") == SkipReason::comment);
  CHECK(skipped("! Title: EasyList") == SkipReason::metadata);
  CHECK(skipped("[Adblock Plus 2.0]") == SkipReason::metadata);
  CHECK(skipped("!#if env_firefox") == SkipReason::preprocessor);
  CHECK(skipped("!#include other.txt") == SkipReason::preprocessor);
  CHECK(skipped("# hosts comment") == SkipReason::comment);
}

TEST_CASE("cosmetic, scriptlet and HTML filters are recognised", "[parser]") {
  CHECK(skipped("##.ad-banner") == SkipReason::cosmetic);
  CHECK(skipped("example.com##.ad") == SkipReason::cosmetic);
  CHECK(skipped("example.com#@#.ad") == SkipReason::cosmetic);
  CHECK(skipped("example.com#?#div:has(> .ad)") == SkipReason::cosmetic);
  CHECK(skipped("example.com#$#.ad { display: none; }") == SkipReason::cosmetic);
  CHECK(skipped("example.com##+js(aopr, foo)") == SkipReason::scriptlet);
  CHECK(skipped("example.com#%#//scriptlet('abort-on-property-read', 'x')") ==
        SkipReason::scriptlet);
  CHECK(skipped("example.com##^script:has-text(ads)") == SkipReason::html_filter);
  CHECK(skipped("example.com$$script[data-ad]") == SkipReason::html_filter);
}

TEST_CASE("plain patterns, anchors, wildcards and separators", "[parser]") {
  const NetworkFilter plain = parse_ok("/ads/banner.");
  CHECK(plain.pattern == "/ads/banner.");
  CHECK(plain.pattern_kind == PatternKind::plain);
  CHECK(plain.types == kDefaultTypes);
  CHECK(plain.party == Party::any);

  const NetworkFilter left = parse_ok("|https://ads.");
  CHECK(left.pattern_kind == PatternKind::left_anchored);
  CHECK(left.pattern == "https://ads.");

  const NetworkFilter right = parse_ok("/pixel.gif|");
  CHECK(right.right_anchored);
  CHECK(right.pattern == "/pixel.gif");

  const NetworkFilter hn = parse_ok("||ads.example.com/banner/*.gif^");
  CHECK(hn.pattern_kind == PatternKind::hostname_anchored);
  CHECK(hn.pattern == "ads.example.com/banner/*.gif^");

  // Leading/trailing `*` carry no meaning and drop the anchor they touch.
  const NetworkFilter star = parse_ok("|*ad*|$image");
  CHECK(star.pattern == "ad");
  CHECK(star.pattern_kind == PatternKind::plain);
  CHECK_FALSE(star.right_anchored);

  // Case is folded unless match-case.
  CHECK(parse_ok("/Ads/Banner").pattern == "/ads/banner");
  const NetworkFilter mc = parse_ok("/Ads/Banner$match-case");
  CHECK(mc.match_case);
  CHECK(mc.pattern == "/Ads/Banner");
}

TEST_CASE("hostname filters: ||host^, bare hostnames and hosts-file lines", "[parser]") {
  const NetworkFilter a = parse_ok("||tracker.example.com^");
  CHECK(a.pattern_kind == PatternKind::hostname_only);
  CHECK(a.pattern == "tracker.example.com");
  CHECK(parse_ok("||tracker.example.com").pattern_kind == PatternKind::hostname_only);
  CHECK(parse_ok("||tracker.example.com^$third-party").pattern_kind == PatternKind::hostname_only);
  CHECK(parse_ok("tracker.example.com").pattern_kind == PatternKind::hostname_only);
  // With options a bare hostname is a plain pattern (uBO).
  CHECK(parse_ok("tracker.example.com$script").pattern_kind == PatternKind::plain);
  const NetworkFilter hosts = parse_ok("0.0.0.0 Tracker.Example.com");
  CHECK(hosts.pattern_kind == PatternKind::hostname_only);
  CHECK(hosts.pattern == "tracker.example.com");
  CHECK(parse_ok("127.0.0.1 ads.example.net # comment").pattern == "ads.example.net");
  CHECK(skipped("127.0.0.1 localhost") == SkipReason::comment);
  // IDN hostnames become punycode.
  CHECK(parse_ok("||bücher.example^").pattern == "xn--bcher-kva.example");
  // `||h^` is a hostname filter even when h's last label has one character (an IPv4 address);
  // without the `^` (it would match 0.0.0.10 too) or bare, it stays a pattern.
  const NetworkFilter ip = parse_ok("||0.0.0.1^");
  CHECK(ip.pattern_kind == PatternKind::hostname_only);
  CHECK(ip.pattern == "0.0.0.1");
  CHECK(parse_ok("||0.0.0.1").pattern_kind == PatternKind::hostname_anchored);
  CHECK(parse_ok("0.0.0.1").pattern_kind == PatternKind::plain);
  CHECK(parse_ok("||0.0.0.1^|").pattern_kind == PatternKind::hostname_anchored);
  CHECK(parse_ok("||0.0.0.^").pattern_kind == PatternKind::hostname_anchored);
}

TEST_CASE("regex filters", "[parser]") {
  const NetworkFilter r = parse_ok("/banner\\d+\\.gif/$image");
  CHECK(r.pattern_kind == PatternKind::regex);
  CHECK(r.pattern == "banner\\d+\\.gif");
  CHECK(r.types == kImage);
  // A whole-line regex keeps a `$` that belongs to it.
  CHECK(parse_ok("/ads\\.js$/").pattern == "ads\\.js$");
  CHECK(skipped("/ban(ner/") == SkipReason::malformed);
}

TEST_CASE("exceptions, important, badfilter, redirect", "[parser]") {
  const NetworkFilter e = parse_ok("@@||example.com/ads.js$script");
  CHECK(e.exception);
  CHECK(e.pattern == "example.com/ads.js");
  CHECK(parse_ok("||ads.example^$important").important);
  CHECK(parse_ok("||ads.example^$badfilter").badfilter);
  const NetworkFilter rd = parse_ok("||ads.example/ad.js$script,redirect=noopjs");
  CHECK(rd.redirect);
  CHECK(rd.types == kScript);
  CHECK(parse_ok("||ads.example/x.js$rewrite=abp-resource:blank-js").redirect);
  CHECK(parse_ok("||ads.example/v.mp4$mp4").types == kMedia);
  CHECK(parse_ok("||ads.example/p.gif$image,empty").redirect);
  CHECK(skipped("||ads.example/ad.js$redirect-rule=noopjs") == SkipReason::unsupported_option);
  CHECK(skipped("@@||ads.example/ad.js$redirect=noopjs") == SkipReason::unsupported_option);
  CHECK(skipped("||ads.example/ad.js$redirect") == SkipReason::malformed);
}

TEST_CASE("party options and their negations", "[parser]") {
  CHECK(parse_ok("||x.example^$third-party").party == Party::third);
  CHECK(parse_ok("||x.example^$3p").party == Party::third);
  CHECK(parse_ok("||x.example^$~third-party").party == Party::first);
  CHECK(parse_ok("||x.example^$first-party").party == Party::first);
  CHECK(parse_ok("||x.example^$1p").party == Party::first);
  CHECK(parse_ok("||x.example^$~first-party").party == Party::third);
  CHECK(parse_ok("||x.example^$~1p").party == Party::third);
}

TEST_CASE("domain=, from=, to=, denyallow= with negations and entities", "[parser]") {
  const NetworkFilter d = parse_ok("/ads.js$domain=a.com|~b.a.com|Example.*|~c.example.*");
  CHECK(d.from.include == std::vector<std::string>{"a.com", "example.*"});
  CHECK(d.from.exclude == std::vector<std::string>{"b.a.com", "c.example.*"});
  CHECK(parse_ok("/ads.js$from=a.com").from.include == std::vector<std::string>{"a.com"});
  const NetworkFilter t = parse_ok("*$script,to=cdn.example|~good.cdn.example");
  CHECK(t.to.include == std::vector<std::string>{"cdn.example"});
  CHECK(t.to.exclude == std::vector<std::string>{"good.cdn.example"});
  CHECK(parse_ok("*$script,denyallow=a.com|b.com,domain=x.com").denyallow.include ==
        std::vector<std::string>{"a.com", "b.com"});
  CHECK(parse_ok("/x$domain=bücher.example").from.include ==
        std::vector<std::string>{"xn--bcher-kva.example"});
  CHECK(skipped("/ads.js$domain=") == SkipReason::malformed);
  CHECK(skipped("/ads.js$domain=a.com||b.com") == SkipReason::malformed);
  CHECK(skipped("||x.com/ads.js$domain=/reg[ex]/") == SkipReason::unsupported_option);
  // A line that starts and ends with `/` is one regex (its `$` belongs to it).
  CHECK(parse_ok("/ads.js$domain=/").pattern_kind == PatternKind::regex);
  CHECK(skipped("*$script,denyallow=~a.com") == SkipReason::malformed);
}

TEST_CASE("every resource type and its negation", "[parser]") {
  const std::pair<const char*, std::uint32_t> types[] = {
      {"image", kImage},
      {"script", kScript},
      {"stylesheet", kStylesheet},
      {"css", kStylesheet},
      {"xmlhttprequest", kXmlHttpRequest},
      {"xhr", kXmlHttpRequest},
      {"subdocument", kSubFrame},
      {"frame", kSubFrame},
      {"ping", kPing},
      {"beacon", kPing},
      {"media", kMedia},
      {"font", kFont},
      {"websocket", kWebSocket},
      {"object", kObject},
      {"other", kOther},
      {"document", kMainFrame},
      {"doc", kMainFrame},
      {"popup", kPopup},
      {"object-subrequest", kObject},
  };
  for (const auto& [name, bit] : types) {
    INFO(name);
    CHECK(parse_ok(std::string("/x$") + name).types == bit);
    if (bit != kMainFrame && bit != kPopup) {
      CHECK(parse_ok(std::string("/x$~") + name).types == (kDefaultTypes & ~bit));
    }
  }
  CHECK(parse_ok("/x$image,script").types == (kImage | kScript));
  CHECK(parse_ok("/x$~image,~script").types == (kDefaultTypes & ~(kImage | kScript)));
  CHECK(parse_ok("/x$all").types == kAllTypes);
  CHECK(skipped("/x$image,~image") == SkipReason::malformed);
  CHECK(skipped("/x$image=1") == SkipReason::malformed);
}

TEST_CASE("options the engine does not enforce are recognised and counted", "[parser]") {
  for (const char* opt : {"csp=script-src 'none'", "removeparam=utm_source", "header=x-ad",
                          "permissions=camera=()", "replace=/a/b/", "urlskip=?url", "method=post",
                          "ipaddress=1.2.3.4", "cname", "strict3p", "uritransform=/a/b/"}) {
    ParseResult r = parse_filter_line(std::string("||example.com^$") + opt);
    INFO(opt);
    CHECK_FALSE(r.filter);
    CHECK(r.reason == SkipReason::unsupported_option);
  }
  // Types that are not network requests: only the network part stays.
  CHECK(skipped("@@||example.com^$generichide") == SkipReason::unsupported_option);
  CHECK(skipped("@@||example.com^$elemhide") == SkipReason::unsupported_option);
  CHECK(parse_ok("||example.com^$script,inline-script").types == kScript);
  CHECK(skipped("||example.com^$frobnicate") == SkipReason::unknown_option);
  CHECK(parse_ok("||example.com^$_,script").types == kScript);  // no-op option
}

TEST_CASE("malformed filters never throw", "[parser]") {
  for (const char* line :
       {"$", "||x$", "/x$,", "@@", "a b c", "||exa mple.com^", "$$$$", "/x$domain=|"}) {
    INFO(line);
    ParseResult r = parse_filter_line(line);
    if (!r.filter) CHECK(r.reason != SkipReason::none);
  }
}

TEST_CASE("skip reasons have stable names", "[parser]") {
  CHECK(skip_reason_name(SkipReason::unsupported_option) == "unsupported_option");
  CHECK(skip_reason_name(SkipReason::cosmetic) == "cosmetic");
  for (int i = 0; i < kSkipReasonCount; ++i)
    CHECK(skip_reason_name(static_cast<SkipReason>(i)) != "unknown");
}
