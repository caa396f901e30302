// Which regexes become regexFilter: only what RE2 (Chromium) and JavaScript (Firefox) both
// read the same way, within a conservative size.
#include <catch2/catch.hpp>

#include "filters/dnr/compiler.hpp"

using optguard::filters::dnr::regex_rejection;

TEST_CASE("regexes both engines accept", "[dnr][regex]") {
  for (const char* re : {"^https?:\\/\\/[a-z]+\\.example\\/", "ads?[0-9]{2,4}\\.js$",
                         "(?:foo|bar)+baz", "\\d\\w\\s\\.\\-\\/", "[^a-z\\]]+", "\\x41b",
                         "a*?b+?c??", "^[-a-z]{3}$", "\\bword\\b"}) {
    INFO(re);
    CHECK_FALSE(regex_rejection(re));
  }
}

TEST_CASE("regexes rejected, with the reason", "[dnr][regex]") {
  struct Case {
    const char* re;
    const char* reason_start;
  };
  for (const auto& c : {Case{"foo(?=bar)", "lookaround"},
                        Case{"(?<=a)b", "lookaround"},
                        Case{"(?!a)b", "lookaround"},
                        Case{"(?P<n>a)", "lookaround"},
                        Case{"(?i)abc", "lookaround"},
                        Case{"(a)\\1", "backreference"},
                        Case{"\\u0041", "escape \\u"},
                        Case{"\\p{L}", "escape \\p"},
                        Case{"\\Aabc\\z", "escape \\A"},
                        Case{"[[:alpha:]]", "POSIX class"},
                        Case{"[^]", "empty"}, Case{"[]a]", "empty"},
                        Case{"a{,3}", "'{'"},
                        Case{"a{2000}", "repetition"},
                        Case{"(a{50}){50}", "nested"},
                        Case{"a**", "nothing to repeat"},
                        Case{"(ab", "unbalanced"},
                        Case{"ab)", "unbalanced"},
                        Case{"[ab", "unterminated"},
                        Case{"bücher", "non-ASCII"},
                        Case{"", "empty"}}) {
    INFO(c.re);
    const auto why = regex_rejection(c.re);
    REQUIRE(why);
    CHECK(why->rfind(c.reason_start, 0) == 0);
  }
  CHECK(regex_rejection(std::string(300, 'a'))->rfind("regex longer than", 0) == 0);
}
