#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "filters/engine.hpp"

using namespace optguard::filters;

namespace {
Engine make(std::string text, Category c = Category::advertising) {
  return Engine::build({ListSource{"test", c, std::move(text)}});
}
std::string verdict(const Engine& e, std::string_view url,
                    std::string_view source = "https://site.example/",
                    std::string_view type = "image", CategoryMask mask = kAllCategories) {
  return std::string(decision_name(e.match(url, source, type, mask).decision));
}
}  // namespace

TEST_CASE("plain patterns match anywhere, at token boundaries", "[matcher]") {
  const Engine e = make("/ads/banner.\n-ad-300x250.\n");
  CHECK(verdict(e, "https://x.com/ads/banner.gif") == "block");
  CHECK(verdict(e, "https://x.com/img/-ad-300x250.png") == "block");
  CHECK(verdict(e, "https://x.com/news/banner.gif") == "none");
}

TEST_CASE("| anchors at the start and end of the URL", "[matcher]") {
  const Engine e = make("|https://ads.\n/pixel.gif|\n");
  CHECK(verdict(e, "https://ads.example.com/x") == "block");
  CHECK(verdict(e, "https://www.example.com/?u=https://ads.x") == "none");
  CHECK(verdict(e, "https://x.com/a/pixel.gif") == "block");
  CHECK(verdict(e, "https://x.com/a/pixel.gif?x=1") == "none");
}

TEST_CASE("|| anchors at a hostname label boundary", "[matcher]") {
  const Engine e = make("||ads.example.com/banner/\n||track.\n");
  CHECK(verdict(e, "https://ads.example.com/banner/1.gif") == "block");
  CHECK(verdict(e, "https://cdn.ads.example.com/banner/1.gif") == "block");
  CHECK(verdict(e, "https://badads.example.com/banner/1.gif") == "none");
  CHECK(verdict(e, "https://x.com/?r=ads.example.com/banner/") == "none");
  CHECK(verdict(e, "https://track.example.org/p") == "block");
  CHECK(verdict(e, "https://a.track.example.org/p") == "block");
  CHECK(verdict(e, "https://notrack.example.org/p") == "none");
}

TEST_CASE("||host^ blocks the host and its subdomains only", "[matcher]") {
  const Engine e = make("||tracker.example^\n0.0.0.0 hosts.example\nbare.example\n");
  CHECK(verdict(e, "https://tracker.example/p.gif") == "block");
  CHECK(verdict(e, "https://a.b.tracker.example:8443/p.gif") == "block");
  CHECK(verdict(e, "https://tracker.example.com/p.gif") == "none");
  CHECK(verdict(e, "https://nottracker.example/p.gif") == "none");
  CHECK(verdict(e, "https://x.hosts.example/") == "block");
  CHECK(verdict(e, "https://bare.example/") == "block");
}

TEST_CASE("||0.0.0.1^ is keyed by host and matches as the pattern did", "[matcher]") {
  // The hostname index gives what `0.0.0.1` at a label boundary followed by `^` gives.
  const Engine e = make("||0.0.0.1^\n||9.0.0.1^\n@@||9.0.0.1^$image\n");
  CHECK(e.matcher().index_stats().host_filters == 3);
  CHECK(e.matcher().index_stats().token_filters == 0);
  CHECK(verdict(e, "http://0.0.0.1/x", "https://site.example/", "script") == "block");
  CHECK(verdict(e, "http://0.0.0.1:8080/x", "https://site.example/", "script") == "block");
  CHECK(verdict(e, "http://0.0.0.1", "https://site.example/", "script") == "block");
  CHECK(verdict(e, "http://a.0.0.0.1/?q", "https://site.example/", "script") == "block");
  CHECK(verdict(e, "http://10.0.0.1/x", "https://site.example/", "script") == "none");
  CHECK(verdict(e, "http://0.0.0.10/x", "https://site.example/", "script") == "none");
  CHECK(verdict(e, "http://0.0.0.1.example/x", "https://site.example/", "script") == "none");
  CHECK(verdict(e, "http://x.example/0.0.0.1/", "https://site.example/", "script") == "none");
  CHECK(verdict(e, "http://[::0.0.0.1]/x", "https://site.example/", "script") == "none");
  CHECK(verdict(e, "http://9.0.0.1/x", "https://site.example/", "image") == "allow");
}

TEST_CASE("^ is a separator or the end of the URL; * is any run", "[matcher]") {
  const Engine e = make("||cdn.example^*/ads/*.js^\n/adserv^\n");
  CHECK(verdict(e, "https://cdn.example/x/ads/a.js", "https://s.example/", "script") == "block");
  CHECK(verdict(e, "https://cdn.example/x/ads/a.js?v=1", "https://s.example/", "script") ==
        "block");
  CHECK(verdict(e, "https://cdn.example/x/ads/a.json", "https://s.example/", "script") == "none");
  CHECK(verdict(e, "https://x.com/adserv") == "block");
  CHECK(verdict(e, "https://x.com/adserv/1") == "block");
  CHECK(verdict(e, "https://x.com/adserver") == "none");
}

TEST_CASE("regex filters match case-insensitively unless match-case", "[matcher]") {
  const Engine e = make(
      "/\\/banner[0-9]+\\.gif/\n/^https:\\/\\/[a-z]{8}\\.xyz\\//$script\n/AdFrame\\D/"
      "$match-case\n");
  CHECK(verdict(e, "https://x.com/banner123.gif") == "block");
  CHECK(verdict(e, "https://x.com/BANNER123.GIF") == "block");  // case-insensitive
  CHECK(verdict(e, "https://x.com/banner.gif") == "none");
  CHECK(verdict(e, "https://abcdefgh.xyz/x.js", "https://s.example/", "script") == "block");
  CHECK(verdict(e, "https://abcdefgh.xyz/x.js", "https://s.example/", "image") == "none");
  CHECK(verdict(e, "https://x.com/AdFrame/") == "block");
  CHECK(verdict(e, "https://x.com/adframe/") == "none");
}

TEST_CASE("match-case", "[matcher]") {
  const Engine e = make("/BannerAd$match-case\n");
  CHECK(verdict(e, "https://x.com/BannerAd.gif") == "block");
  CHECK(verdict(e, "https://x.com/bannerad.gif") == "none");
}

TEST_CASE("resource types and negations", "[matcher]") {
  const Engine e =
      make("||a.example^$script\n||b.example^$~image\n||c.example^$document\n||d.example^$popup\n");
  CHECK(verdict(e, "https://a.example/x", "https://s.example/", "script") == "block");
  CHECK(verdict(e, "https://a.example/x", "https://s.example/", "image") == "none");
  CHECK(verdict(e, "https://b.example/x", "https://s.example/", "image") == "none");
  CHECK(verdict(e, "https://b.example/x", "https://s.example/", "xmlhttprequest") == "block");
  CHECK(verdict(e, "https://b.example/x", "", "main_frame") == "none");  // documents only by name
  CHECK(verdict(e, "https://c.example/", "", "main_frame") == "block");
  CHECK(verdict(e, "https://c.example/x", "https://s.example/", "image") == "none");
  CHECK(verdict(e, "https://d.example/x", "https://s.example/", "popup") == "block");
  CHECK(verdict(e, "https://d.example/x", "https://s.example/", "sub_frame") == "none");
  const Engine beacon = make("||e.example^$ping\n");
  CHECK(verdict(beacon, "https://e.example/x", "https://s.example/", "beacon") == "block");
  CHECK(verdict(beacon, "https://e.example/x", "https://s.example/", "ping") == "block");
}

TEST_CASE("third-party and first-party", "[matcher]") {
  const Engine e = make("||tp.example^$third-party\n||fp.example^$~third-party\n");
  CHECK(verdict(e, "https://tp.example/x", "https://site.com/") == "block");
  CHECK(verdict(e, "https://tp.example/x", "https://www.tp.example/") == "none");
  CHECK(verdict(e, "https://cdn.fp.example/x", "https://www.fp.example/") == "block");
  CHECK(verdict(e, "https://fp.example/x", "https://site.com/") == "none");
}

TEST_CASE("domain= with subdomains, negations and entities", "[matcher]") {
  const Engine e =
      make("/ads.js$domain=news.com|~sports.news.com|shop.*\n/track.js$domain=~quiet.com\n");
  CHECK(verdict(e, "https://x.com/ads.js", "https://news.com/") == "block");
  CHECK(verdict(e, "https://x.com/ads.js", "https://www.news.com/") == "block");
  CHECK(verdict(e, "https://x.com/ads.js", "https://sports.news.com/") == "none");
  CHECK(verdict(e, "https://x.com/ads.js", "https://other.com/") == "none");
  CHECK(verdict(e, "https://x.com/ads.js", "https://shop.co.uk/") == "block");
  CHECK(verdict(e, "https://x.com/ads.js", "https://www.shop.de/") == "block");
  CHECK(verdict(e, "https://x.com/ads.js", "https://shop.example.com/") == "none");
  CHECK(verdict(e, "https://x.com/track.js", "https://loud.com/") == "block");
  CHECK(verdict(e, "https://x.com/track.js", "https://a.quiet.com/") == "none");
  // A filter with no pattern but a domain list (indexed by the document's hostname).
  const Engine d = make("*$script,third-party,domain=popups.example\n");
  CHECK(verdict(d, "https://any.cdn/x.js", "https://www.popups.example/", "script") == "block");
  CHECK(verdict(d, "https://any.cdn/x.js", "https://other.example/", "script") == "none");
}

TEST_CASE("to= and denyallow=", "[matcher]") {
  const Engine e = make(
      "*$script,domain=site.com,denyallow=cdn.com|jquery.com\n*$image,to=pix.net|~ok.pix.net,"
      "domain=x.com\n");
  CHECK(verdict(e, "https://evil.net/a.js", "https://site.com/", "script") == "block");
  CHECK(verdict(e, "https://static.cdn.com/a.js", "https://site.com/", "script") == "none");
  CHECK(verdict(e, "https://a.pix.net/p.gif", "https://x.com/", "image") == "block");
  CHECK(verdict(e, "https://ok.pix.net/p.gif", "https://x.com/", "image") == "none");
  CHECK(verdict(e, "https://other.net/p.gif", "https://x.com/", "image") == "none");
}

TEST_CASE("exceptions override blocks; important overrides exceptions", "[matcher]") {
  const Engine e = make(
      "||ads.example^\n@@||ads.example/ok/"
      "\n||imp.example^$important\n@@||imp.example^\n@@||nothing.example^\n");
  const Verdict allow = e.match("https://ads.example/ok/x.js", "https://s.com/", "script");
  CHECK(allow.decision == Decision::allow);
  CHECK(allow.filter == "@@||ads.example/ok/");
  CHECK(allow.list == "test");
  CHECK(verdict(e, "https://ads.example/bad/x.js") == "block");
  const Verdict imp = e.match("https://imp.example/x", "https://s.com/", "image");
  CHECK(imp.decision == Decision::block);
  CHECK(imp.important);
  // An exception alone is no verdict (as in uBO: exceptions only override blocks).
  CHECK(verdict(e, "https://nothing.example/x") == "none");
}

TEST_CASE("badfilter cancels its twin, across lists", "[matcher]") {
  const Engine e = Engine::build(
      {ListSource{"a", Category::advertising, "||gone.example^\n||kept.example^$script\n"},
       ListSource{"b", Category::tracking, "||gone.example^$badfilter\n"}});
  CHECK(verdict(e, "https://gone.example/x") == "none");
  CHECK(verdict(e, "https://kept.example/x", "https://s.com/", "script") == "block");
  const auto stats = e.lists();
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].badfiltered == 1);
  CHECK(stats[0].loaded == 1);
}

TEST_CASE("redirect filters block for the verdict", "[matcher]") {
  const Engine e = make("||ads.example/ad.js$script,redirect=noopjs\n");
  CHECK(verdict(e, "https://ads.example/ad.js", "https://s.com/", "script") == "block");
}

TEST_CASE("categories are reported and can be switched off at match time", "[matcher]") {
  const Engine e = Engine::build(
      {ListSource{"easylist", Category::advertising, "||ads.example^\n"},
       ListSource{"easyprivacy", Category::tracking, "||track.example^\n"},
       ListSource{"social", Category::social, "||like.example^\n@@||track.example/ok\n"}});
  const Verdict v = e.match("https://track.example/p", "https://s.com/", "image");
  REQUIRE(v.category);
  CHECK(*v.category == Category::tracking);
  CHECK(v.list == "easyprivacy");
  const auto no_tracking =
      static_cast<CategoryMask>(kAllCategories & ~category_bit(Category::tracking));
  CHECK(verdict(e, "https://track.example/p", "https://s.com/", "image", no_tracking) == "none");
  CHECK(verdict(e, "https://ads.example/p", "https://s.com/", "image", no_tracking) == "block");
  // Exceptions of every list apply (as in uBO), whatever category is on.
  const auto no_social =
      static_cast<CategoryMask>(kAllCategories & ~category_bit(Category::social));
  CHECK(verdict(e, "https://track.example/ok", "https://s.com/", "image", no_social) == "allow");
  CHECK(verdict(e, "https://like.example/p", "https://s.com/", "image", no_social) == "none");
}

TEST_CASE("per-list statistics count loaded filters and skipped lines by reason", "[matcher]") {
  const Engine e = make(
      "! Title: t\n! "
      "comment\n\n||a.example^\n##.ad\n||b.example^$csp=x\n||c.example^$bogus\n/x$domain=\n");
  const auto stats = e.lists();
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].lines == 8);
  CHECK(stats[0].loaded == 1);
  CHECK(stats[0].skipped == 6);
  CHECK(stats[0].skipped_by_reason[static_cast<int>(SkipReason::metadata)] == 1);
  CHECK(stats[0].skipped_by_reason[static_cast<int>(SkipReason::comment)] == 1);
  CHECK(stats[0].skipped_by_reason[static_cast<int>(SkipReason::cosmetic)] == 1);
  CHECK(stats[0].skipped_by_reason[static_cast<int>(SkipReason::unsupported_option)] == 1);
  CHECK(stats[0].skipped_by_reason[static_cast<int>(SkipReason::unknown_option)] == 1);
  CHECK(stats[0].skipped_by_reason[static_cast<int>(SkipReason::malformed)] == 1);
}

TEST_CASE("the index keeps filters out of a per-request scan", "[matcher]") {
  const Engine e =
      make("||a.example^\n/ads/banner.\n/\\/banner[0-9]+\\.gif/\n*$script,domain=x.com\n");
  const auto s = e.matcher().index_stats();
  CHECK(s.host_filters == 1);
  CHECK(s.token_filters == 1);
  CHECK(s.doc_filters == 1);
  CHECK(s.any_filters == 1);  // the regex: no literal token with a literal boundary on both sides
  const Engine r = make("/\\/banner\\/[0-9]+\\.gif/\n");
  CHECK(r.matcher().index_stats().token_filters == 1);  // `/banner/` is a whole token
  // `contentiq` is keyed as `content` (its first 7 characters), a token of many URLs: a
  // filter whose only token it is, with `domain=`, is looked up by its domains instead.
  const Engine c = make("-contentiq.$domain=x.com\n-adbanner.$domain=x.com\n");
  CHECK(c.matcher().index_stats().doc_filters == 1);
  CHECK(c.matcher().index_stats().token_filters == 1);
  CHECK(verdict(c, "https://cdn.example/a-contentiq.js", "https://x.com/", "script") == "block");
  CHECK(verdict(c, "https://cdn.example/a-contentiq.js", "https://y.com/", "script") == "none");
  CHECK(verdict(c, "https://cdn.example/a-contentiqs.js", "https://x.com/", "script") == "none");
  // Keyed on a one-character token (`4`, `b`) rather than `js`: the same matches.
  const Engine j = make(".com/4/js/\n.com/b.js|\n");
  CHECK(verdict(j, "https://x.com/4/js/a.js", "https://x.com/", "script") == "block");
  CHECK(verdict(j, "https://x.com/44/js/a.js", "https://x.com/", "script") == "none");
  CHECK(verdict(j, "https://x.com/b.js", "https://x.com/", "script") == "block");
  CHECK(verdict(j, "https://x.com/b.js?x", "https://x.com/", "script") == "none");
  CHECK(verdict(j, "https://x.com/ab.js", "https://x.com/", "script") == "none");
}

TEST_CASE("odd requests never fail", "[matcher]") {
  const Engine e = make("||ads.example^\n/banner\n|data:\n");
  CHECK(verdict(e, "") == "none");
  CHECK(verdict(e, "data:image/gif;base64,AAAA") == "block");
  CHECK(verdict(e, "not a url at all /banner") == "block");
  CHECK(verdict(e, std::string(100000, 'a')) == "none");
  CHECK(verdict(e, "https://[::1]/banner") == "block");
}

TEST_CASE("a long domain list (looked up by hash) answers as a short one", "[matcher]") {
  // More than 8 entries: each label suffix of the host is looked up; with 3 entries: scanned.
  const std::string many =
      "a1.example|a2.example|a3.example|a4.example|a5.example|a6.example|a7.example|"
      "site.example|~sub.site.example|shop.*|~free.shop.*";
  const Engine e = make("/promo/banner.$domain=" + many +
                        "\n/pix/*$image,to=b1.example|b2.example|b3.example|b4.example|"
                        "b5.example|b6.example|b7.example|b8.example|~x.b1.example\n"
                        "/short/ad.$domain=site.example|~sub.site.example|shop.*\n");
  for (const std::string path : {"/promo/banner.gif", "/short/ad.gif"}) {
    CHECK(verdict(e, "https://x.com" + path, "https://site.example/") == "block");
    CHECK(verdict(e, "https://x.com" + path, "https://www.site.example/") == "block");
    CHECK(verdict(e, "https://x.com" + path, "https://sub.site.example/") == "none");
    CHECK(verdict(e, "https://x.com" + path, "https://a.sub.site.example/") == "none");
    CHECK(verdict(e, "https://x.com" + path, "https://othersite.example/") == "none");
    CHECK(verdict(e, "https://x.com" + path, "https://shop.co.uk/") == "block");
    CHECK(verdict(e, "https://x.com" + path, "https://shop.com/") == "block");
  }
  CHECK(verdict(e, "https://x.com/promo/banner.gif", "https://a7.example/") == "block");
  CHECK(verdict(e, "https://x.com/promo/banner.gif", "https://free.shop.co.uk/") == "none");
  CHECK(verdict(e, "https://x.com/promo/banner.gif", "https://example/") == "none");
  // to=: the request's own host.
  CHECK(verdict(e, "https://b3.example/pix/1.gif") == "block");
  CHECK(verdict(e, "https://y.b1.example/pix/1.gif") == "block");
  CHECK(verdict(e, "https://x.b1.example/pix/1.gif") == "none");
  CHECK(verdict(e, "https://other.example/pix/1.gif") == "none");
  CHECK(verdict(e, "https://b3.example/pix/1.js", "https://site.example/", "script") == "none");
}

TEST_CASE("URL tokens are found past a 64-character word and past 64 indexed tokens", "[matcher]") {
  // `/zz.` keys the token `zz` (an image filter: a script request skips its bucket); a URL
  // with 70 of them has more indexed tokens than the matcher plans at once, so `target123`
  // is found by the tokenizer resuming after them.
  const Engine e = make("/zz.$image\n-target123-\n/longtokenvalue?\n");
  std::string many = "https://h.example/";
  for (int i = 0; i < 70; ++i) many += "zz./";
  CHECK(verdict(e, many + "-target123-", "https://site.example/", "script") == "block");
  CHECK(verdict(e, many + "-target1234-", "https://site.example/", "script") == "none");
  CHECK(verdict(e, many + "x.gif", "https://site.example/", "image") == "block");
  // A token that starts before character 64 and ends after it (its end decides the `?`
  // checked after it); and the same token cut short or run on.
  const std::string pad = "https://h.example/" + std::string(40, 'a');
  REQUIRE(pad.size() + 1 < 64);
  REQUIRE(pad.size() + 1 + 14 > 64);
  CHECK(verdict(e, pad + "/longtokenvalue?x=1") == "block");
  CHECK(verdict(e, pad + "/longtokenvalues?x=1") == "none");
  CHECK(verdict(e, pad + "/longtokenvalu?x=1") == "none");
  CHECK(verdict(e, "https://h.example/LongTokenValue?x") == "block");
}

TEST_CASE("a URL token is found at every place of a 16-character chunk, and only where it starts",
          "[matcher]") {
  // The tokenizer reads the URL 16 characters at a time: a token may start at any place of a
  // chunk, and a run of token characters that crosses a chunk's end is one token (`qzz` holds
  // no token `zz`, wherever the chunk ends).
  const Engine e = make("zz.$image\n");
  for (std::size_t pad = 0; pad < 40; ++pad) {
    CAPTURE(pad);
    const std::string head = "https://h.example/" + std::string(pad, 'a');
    CHECK(verdict(e, head + "/zz.gif", "https://site.example/", "image") == "block");
    CHECK(verdict(e, head + "/qzz.gif", "https://site.example/", "image") == "none");
    CHECK(verdict(e, head + "/qzzz/zz.", "https://site.example/", "image") == "block");
  }
}

TEST_CASE("a token bucket is skipped only when no filter accepts the characters around the token",
          "[matcher]") {
  // Every filter here is keyed on the token `promo`: the bucket's edge set is the characters
  // its filters want just before it (`/` `-` `~`) and just after it (`.` `/` `[` and none:
  // the URL's end).
  const Engine e = make("/promo.\n-promo/\n~promo[\n/promo|\n@@/promo.$image,domain=ok.example\n");
  CHECK(verdict(e, "https://h.example/promo.js", "https://site.example/", "script") == "block");
  CHECK(verdict(e, "https://h.example/x-promo/1") == "block");
  CHECK(verdict(e, "https://h.example/x~promo[1]") == "block");  // two "other" characters
  CHECK(verdict(e, "https://h.example/a/promo") == "block");     // the URL's end
  CHECK(verdict(e, "https://h.example/a/promo?x") == "none");
  CHECK(verdict(e, "https://h.example/a_promo.js") == "none");
  CHECK(verdict(e, "https://h.example/x:promo[1]") == "none");  // `:` shares `~`'s class only
  CHECK(verdict(e, "https://h.example/-promo.") == "none");  // `-` before, `.` after: no one filter
  CHECK(verdict(e, "https://h.example/PROMO.gif") == "block");  // letters fold, edges do not
  CHECK(verdict(e, "https://h.example/s/promo.gif", "https://ok.example/", "image") == "allow");
  // Characters outside `. / - _ ? = & : ; , @ ~ ! |` share one class.
  const Engine other = make("~promo[\n");
  CHECK(verdict(other, "https://h.example/x~promo[1]") == "block");
  CHECK(verdict(other, "https://h.example/x~promo]1") == "none");
  // A filter with no character check on one side accepts every character there.
  const Engine any = make("promo.\n");
  CHECK(verdict(any, "https://h.example/a_promo.js") == "block");
  CHECK(verdict(any, "https://h.example/a_promo_js") == "none");
}

TEST_CASE("a URL token finds the filters wanting its next character, or none, or a longer token",
          "[matcher]") {
  // The token index keys a token of up to 7 characters with the class of the character after
  // it; a filter without that check is in every class's bucket.
  const Engine e =
      make("/abcdefg*\n/analytics.\n/seven77.\n/promo^\n-promo_\n~promo@\n/promo!$script\n");
  // 7 characters then `*`: a URL token of 7 (then `/`) or of 8 and more.
  CHECK(verdict(e, "https://h.example/abcdefg/x") == "block");
  CHECK(verdict(e, "https://h.example/abcdefgh/x") == "block");
  CHECK(verdict(e, "https://h.example/abcdef/x") == "none");
  // A token longer than 7 characters: its next character is checked with the filter.
  CHECK(verdict(e, "https://h.example/analytics.js") == "block");
  CHECK(verdict(e, "https://h.example/ANALYTICS.js") == "block");
  CHECK(verdict(e, "https://h.example/analytics-js") == "none");
  CHECK(verdict(e, "https://h.example/analyticsx.js") == "none");
  // Exactly 7 characters, then the checked one.
  CHECK(verdict(e, "https://h.example/seven77.js") == "block");
  CHECK(verdict(e, "https://h.example/seven777.js") == "none");
  CHECK(verdict(e, "https://h.example/seven77/js") == "none");
  // `^` after the token: any separator, or the URL's end.
  CHECK(verdict(e, "https://h.example/promo?x=1") == "block");
  CHECK(verdict(e, "https://h.example/promo") == "block");
  CHECK(verdict(e, "https://h.example/promo/x") == "block");
  CHECK(verdict(e, "https://h.example/promo.gif") == "none");  // `.` is no separator
  // Characters stored folded (`_` `@`) and a rare one (`!`, a script filter).
  CHECK(verdict(e, "https://h.example/x-promo_1") == "block");
  CHECK(verdict(e, "https://h.example/x~promo@1") == "block");
  CHECK(verdict(e, "https://h.example/x~promo`1") == "none");
  CHECK(verdict(e, "https://h.example/x!promo!1", "https://site.example/", "script") == "none");
  CHECK(verdict(e, "https://h.example/x/promo!1", "https://site.example/", "script") == "block");
  // Each filter counted once, whatever the number of its buckets.
  CHECK(e.matcher().index_stats().token_filters == 7);
}

TEST_CASE("an exception is found past 128 buckets with exceptions (the hit list's overflow)",
          "[matcher]") {
  // The block scan keeps each bucket holding exceptions for the exception pass, up to 128 of
  // them; past that the pass visits every bucket again. 150 buckets with an exception that
  // does not match, keyed on the URL's tokens `e000`..`e149`, then the one that matches.
  std::string list = "/blockme/\n";
  std::string url = "https://h.example/";
  for (int i = 0; i < 150; ++i) {
    char token[8];
    (void)std::snprintf(token, sizeof token, "e%03d", i);
    list += std::string("@@/") + token + "/nomatch\n";
    url += std::string(token) + "/";
  }
  const Engine without = make(list);
  CHECK(verdict(without, url + "blockme/", "https://site.example/", "script") == "block");
  const Engine with = make(list + "@@/e149/blockme/\n");
  const Verdict v = with.match(url + "blockme/", "https://site.example/", "script");
  CHECK(v.decision == Decision::allow);
  CHECK(v.filter == "@@/e149/blockme/");
  // The same with fewer buckets than the list holds.
  const Engine few = make("/blockme/\n@@/e001/nomatch\n@@/e002/blockme/\n");
  CHECK(verdict(few, "https://h.example/e001/e002/blockme/", "https://site.example/", "script") ==
        "allow");
}
