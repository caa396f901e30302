#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "filters/request.hpp"

using namespace optguard::filters;

TEST_CASE("URLs are normalised: scheme and host lowercased, userinfo dropped", "[request]") {
  const ParsedUrl u = parse_url("HTTPS://User:Pw@Ads.Example.COM:8443/Path/A.gif?Q=1#frag");
  CHECK(u.url == "https://ads.example.com:8443/Path/A.gif?Q=1#frag");
  CHECK(u.hostname() == "ads.example.com");
  CHECK(u.has_authority);
}

TEST_CASE("IP literals and ports", "[request]") {
  CHECK(parse_url("http://192.168.0.1:8080/x").hostname() == "192.168.0.1");
  const ParsedUrl v6 = parse_url("http://[2001:DB8::1]:443/x");
  CHECK(v6.hostname() == "2001:db8::1");
  CHECK(v6.url == "http://[2001:db8::1]:443/x");
  CHECK(registrable_domain("192.168.0.1") == "192.168.0.1");
  CHECK(registrable_domain("2001:db8::1") == "2001:db8::1");
}

TEST_CASE("IDN hosts become punycode", "[request]") {
  const ParsedUrl u = parse_url("https://bücher.example/ads");
  CHECK(u.hostname() == "xn--bcher-kva.example");
  CHECK(u.url == "https://xn--bcher-kva.example/ads");
}

TEST_CASE("URLs without an authority and odd input never fail", "[request]") {
  CHECK(parse_url("data:image/gif;base64,R0lGOD").hostname().empty());
  CHECK(parse_url("data:image/gif;base64,R0lGOD").url == "data:image/gif;base64,R0lGOD");
  CHECK(parse_url("blob:https://example.com/uuid").hostname().empty());
  CHECK(parse_url("about:blank").hostname().empty());
  CHECK(parse_url("").url.empty());
  CHECK(parse_url("not a url").hostname().empty());
  CHECK(parse_url("  https://example.com/  ").url == "https://example.com/");
  CHECK(parse_url("https://").hostname().empty());
  CHECK(parse_url("https://[::1").hostname() ==
        "[::1");  // unterminated: kept, matches nothing by name
  CHECK(parse_url("https://example.com\\path").hostname() == "example.com");
  CHECK(parse_url("https://example.com?q").hostname() == "example.com");
}

TEST_CASE("registrable domains come from the public suffix list", "[request]") {
  CHECK(registrable_domain("www.bbc.co.uk") == "bbc.co.uk");
  CHECK(registrable_domain("a.b.example.com") == "example.com");
  CHECK(registrable_domain("example.com") == "example.com");
  CHECK(registrable_domain("foo.github.io") == "foo.github.io");  // private suffix
  CHECK(registrable_domain("co.uk") == "co.uk");
  CHECK(registrable_domain("localhost") == "localhost");
  CHECK(registrable_domain("").empty());
  CHECK(public_suffix("www.bbc.co.uk") == "co.uk");
}

TEST_CASE("third-party means a different registrable domain than the document", "[request]") {
  CHECK_FALSE(Request("https://static.example.com/a.js", "https://www.example.com/", "script")
                  .third_party());
  CHECK(Request("https://cdn.other.com/a.js", "https://www.example.com/", "script").third_party());
  CHECK_FALSE(Request("https://a.bbc.co.uk/x", "https://b.bbc.co.uk/", "image").third_party());
  CHECK(Request("https://a.github.io/x", "https://b.github.io/", "image").third_party());
  CHECK(Request("https://example.com/x", "", "image").third_party());  // no document at all
  // A top-level document is its own source.
  const Request top("https://www.example.com/", "", "main_frame");
  CHECK(top.source_hostname() == "www.example.com");
  CHECK_FALSE(top.third_party());
}

TEST_CASE("entities: the hostname with its public suffix as *", "[request]") {
  const Request r("https://ads.example.co.uk/x", "https://www.shop.example.de/", "image");
  CHECK(r.entity() == "ads.example.*");
  CHECK(r.source_entity() == "www.shop.example.*");
}

TEST_CASE("request types use webRequest names", "[request]") {
  CHECK(type_from_name("main_frame") == kMainFrame);
  CHECK(type_from_name("sub_frame") == kSubFrame);
  CHECK(type_from_name("image") == kImage);
  CHECK(type_from_name("imageset") == kImage);
  CHECK(type_from_name("script") == kScript);
  CHECK(type_from_name("stylesheet") == kStylesheet);
  CHECK(type_from_name("xmlhttprequest") == kXmlHttpRequest);
  CHECK(type_from_name("ping") == kPing);
  CHECK(type_from_name("beacon") == kPing);
  CHECK(type_from_name("csp_report") == kPing);
  CHECK(type_from_name("font") == kFont);
  CHECK(type_from_name("media") == kMedia);
  CHECK(type_from_name("websocket") == kWebSocket);
  CHECK(type_from_name("object") == kObject);
  CHECK(type_from_name("other") == kOther);
  CHECK(type_from_name("no-such-type") == kOther);
  CHECK(is_known_type_name("sub_frame"));
  CHECK_FALSE(is_known_type_name("no-such-type"));
  CHECK(type_name(kImage) == "image");
}

TEST_CASE("every type name maps as it did before the hashed lookup", "[request]") {
  // All of kTypeNames (request.cpp), webRequest and filter-option spellings alike.
  const std::pair<std::string_view, std::uint32_t> names[] = {
      {"main_frame", kMainFrame},
      {"sub_frame", kSubFrame},
      {"stylesheet", kStylesheet},
      {"script", kScript},
      {"image", kImage},
      {"font", kFont},
      {"object", kObject},
      {"xmlhttprequest", kXmlHttpRequest},
      {"ping", kPing},
      {"media", kMedia},
      {"websocket", kWebSocket},
      {"other", kOther},
      {"popup", kPopup},
      {"csp_report", kPing},
      {"beacon", kPing},
      {"imageset", kImage},
      {"object_subrequest", kObject},
      {"sub_document", kSubFrame},
      {"subdocument", kSubFrame},
      {"frame", kSubFrame},
      {"document", kMainFrame},
      {"doc", kMainFrame},
      {"xhr", kXmlHttpRequest},
      {"fetch", kXmlHttpRequest},
      {"css", kStylesheet},
      {"speculative", kOther},
      {"web_manifest", kOther},
      {"xslt", kOther},
      {"xml_dtd", kOther},
      {"webtransport", kWebSocket},
      {"webbundle", kOther},
  };
  for (const auto& [name, bit] : names) {
    INFO(name);
    CHECK(type_from_name(name) == bit);
    CHECK(is_known_type_name(name));
    // Not a prefix, an extension or a one-byte change of a name (same length, so same hash
    // bucket when the changed byte is not one the hash reads).
    const std::string s(name);
    CHECK_FALSE(is_known_type_name(s.substr(0, s.size() - 1)));
    CHECK_FALSE(is_known_type_name(s + "x"));
    for (std::size_t i = 0; i < s.size(); ++i) {
      std::string t = s;
      t[i] = static_cast<char>(t[i] ^ 0x20);  // case changes too: names are case-sensitive
      CHECK_FALSE(is_known_type_name(t));
      CHECK(type_from_name(t) == kOther);
    }
  }
  const std::string_view unknowns[] = {"",
                                       "x",
                                       "im",
                                       "no-such-type",
                                       "IMAGE",
                                       "object_subrequests",
                                       std::string_view("image\0", 6),
                                       "imagf",
                                       "scripu"};
  for (const std::string_view unknown : unknowns) {
    CHECK(type_from_name(unknown) == kOther);
    CHECK_FALSE(is_known_type_name(unknown));
  }
}

TEST_CASE("a Request can be reused without carrying state over", "[request]") {
  Request r("https://a.tracker.com/x", "https://site.com/", "image");
  CHECK(r.third_party());
  CHECK(r.domain() == "tracker.com");
  r.assign("https://cdn.site.com/x", "https://site.com/", "script");
  CHECK_FALSE(r.third_party());
  CHECK(r.domain() == "site.com");
  CHECK(r.type() == kScript);
}

TEST_CASE("a reused Request answers for each document as a fresh one would", "[request]") {
  Request r("https://a.tracker.com/x", "https://www.site.co.uk/page", "image");
  CHECK(r.source_domain() == "site.co.uk");
  CHECK(r.source_entity() == "www.site.*");
  CHECK(r.third_party());
  // The same document, another URL: the URL's lazily computed parts are not carried over.
  r.assign("https://cdn.site.co.uk/y", "https://www.site.co.uk/page", "script");
  CHECK(r.source_hostname() == "www.site.co.uk");
  CHECK(r.source_domain() == "site.co.uk");
  CHECK(r.domain() == "site.co.uk");
  CHECK(r.entity() == "cdn.site.*");
  CHECK_FALSE(r.third_party());
  // Another document of the same length, one byte apart, and with a port.
  r.assign("https://cdn.site.co.uk/y", "https://www.sitf.co.uk/page", "script");
  CHECK(r.source_hostname() == "www.sitf.co.uk");
  CHECK(r.source_domain() == "sitf.co.uk");
  CHECK(r.source_entity() == "www.sitf.*");
  CHECK(r.third_party());
  r.assign("https://cdn.site.co.uk/y", "https://WWW.site.co.uk:8443/p", "script");
  CHECK(r.source_hostname() == "www.site.co.uk");
  CHECK(r.source_url() == "https://www.site.co.uk");
  CHECK_FALSE(r.third_party());
  // No document, then a top-level document (its own URL as the document), then none again.
  r.assign("https://a.example.com/", "", "image");
  CHECK_FALSE(r.has_source());
  CHECK(r.third_party());
  r.assign("https://b.example.com/", "", "main_frame");
  CHECK(r.source_hostname() == "b.example.com");
  CHECK(r.source_domain() == "example.com");
  r.assign("https://c.example.org/", "", "main_frame");
  CHECK(r.source_hostname() == "c.example.org");
  CHECK(r.source_domain() == "example.org");
  r.assign("https://c.example.org/", "", "image");
  CHECK_FALSE(r.has_source());
  CHECK(r.source_domain().empty());
  CHECK(r.source_entity().empty());
}

TEST_CASE("a URL that needs no normalising is viewed in place, not copied", "[request]") {
  const std::string plain = "https://ads.example.com/a.gif?x=1";
  ParsedUrl scratch;
  std::string_view v = parse_url_view(plain, scratch);
  CHECK(v.data() == plain.data());
  CHECK(v == plain);
  CHECK(v.substr(scratch.host_begin, scratch.host_end - scratch.host_begin) == "ads.example.com");
  // Only the authority of a document: a prefix of it.
  v = parse_url_view(plain, scratch, true);
  CHECK(v.data() == plain.data());
  CHECK(v == "https://ads.example.com");
  // With a port (the byte-at-a-time path) and under 16 characters: still in place.
  const std::string port = "http://a.b:81/x";
  v = parse_url_view(port, scratch);
  CHECK(v.data() == port.data());
  CHECK(v.substr(scratch.host_begin, scratch.host_end - scratch.host_begin) == "a.b");
  // Uppercase, userinfo, IDN: normalised into the scratch buffer.
  for (const std::string odd : {"https://Ads.Example.com/A.gif", "HTTPS://ads.example.com/A",
                                "https://u:p@ads.example.com/", "https://bücher.example/x"}) {
    v = parse_url_view(odd, scratch);
    CHECK(v.data() == scratch.url.data());
    CHECK(v == parse_url(odd).url);
  }
  // A Request viewing one URL, then normalising the next, then viewing again.
  Request r(plain, "https://WWW.Site.com/page", "image");
  CHECK(r.url().data() == plain.data());
  CHECK(r.source_hostname() == "www.site.com");
  const std::string upper = "https://CDN.site.com/P";
  r.assign(upper, plain, "script");
  CHECK(r.url() == "https://cdn.site.com/P");
  CHECK(r.hostname() == "cdn.site.com");
  CHECK(r.source_url().data() == plain.data());
  CHECK(r.source_hostname() == "ads.example.com");
  r.assign(plain, upper, "image");
  CHECK(r.url().data() == plain.data());
  CHECK(r.hostname() == "ads.example.com");
  CHECK(r.source_url() == "https://cdn.site.com");
}

TEST_CASE("third_party() without libpsl agrees with comparing registrable domains", "[request]") {
  const char* hosts[] = {"com",
                         "x.com",
                         "y.com",
                         "ab.com",
                         "b.com",
                         "www.b.com",
                         "a.b.com",
                         "co.uk",
                         "a.co.uk",
                         "b.co.uk",
                         "x.a.co.uk",
                         "blogspot.com",
                         "x.blogspot.com",
                         "y.blogspot.com",
                         "a.com.",
                         "b.com.",
                         "1.2.3.4",
                         "5.2.3.4",
                         "1.2.3.4.5",
                         "localhost",
                         "github.io",
                         "a.github.io",
                         "x.a.github.io",
                         "xn--bcher-kva.example",
                         "b.xn--bcher-kva.example",
                         "example",
                         "a.example"};
  for (const char* a : hosts) {
    for (const char* b : hosts) {
      INFO(a << " from " << b);
      const std::string url = std::string("https://") + a + "/x";
      const std::string source = std::string("https://") + b + "/";
      const Request r(url, source, "image");
      REQUIRE(r.hostname() == a);
      const bool expect = std::string_view(a) != std::string_view(b) &&
                          registrable_domain(a) != registrable_domain(b);
      CHECK(r.third_party() == expect);
    }
  }
}
