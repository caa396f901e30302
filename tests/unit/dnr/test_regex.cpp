// Which regexes become regexFilter: only what RE2 (Chromium) and JavaScript (Firefox) both
// read the same way, within a conservative size.
#include <catch2/catch.hpp>

#include "filters/dnr/compiler.hpp"

using optguard::filters::dnr::regex_rejection;

TEST_CASE("regexes both engines accept", "[dnr][regex]") {
  for (const char* re :
       {"^https?:\\/\\/[a-z]+\\.example\\/", "ads?[0-9]{2,4}\\.js$", "(?:foo|bar)+baz",
        "\\d\\w\\s\\.\\-\\/", "[^a-z\\]]+", "\\x41b", "a*?b+?c??", "^[-a-z]{3}$", "\\bword\\b"}) {
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
                        Case{"[^]", "empty"},
                        Case{"[]a]", "empty"},
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

// Calibrated with Chromium 156's isRegexSupported() on the regexes of EasyList/EasyPrivacy:
// it refused the first group ("memoryLimitExceeded"), accepted the second.
TEST_CASE("regexes over Chromium's 2 KB RE2 memory limit are dropped", "[dnr][regex]") {
  for (const char* re :
       {"(https?:\\/\\/)\\w{30,}\\.me\\/\\w{30,}\\.", "(https?:\\/\\/)104\\.154\\..{100,}",
        "^https?:\\/\\/s3\\.*\\.amazonaws\\.com\\/[a-f0-9]{45,}\\/[a-f,0-9]{8,10}$",
        "^https:\\/\\/cdn\\.jsdelivr\\.net\\/npm\\/[-a-z_]{4,22}@latest\\/dist\\/"
        "script\\.min\\.js$",
        "^https?:\\/\\/.*\\/[a-z0-9A-Z_]{2,15}\\.(php|jx|jsx|1ph|jsf|jz|jsm|j$)",
        "^https?:\\/\\/"
        ".*\\.(club|bid|biz|xyz|site|pro|info|online|icu|monster|buzz|website|biz|re|casa|top|"
        "one|space|network|live|systems|ml|world|life|co)\\/.*"}) {
    INFO(re);
    const auto why = regex_rejection(re);
    REQUIRE(why);
    CHECK((why->rfind("estimated RE2 program too large", 0) == 0 ||
           why->rfind("repetition", 0) == 0));
  }
  for (const char* re : {"^https?:\\/\\/tjmaxx\\.tjx\\.com\\/libraries\\/[a-z0-9]{20,}",
                         "^https?:\\/\\/tmx\\.(td|tdbank)\\.com\\/[a-z0-9]{14,18}\\.js.*",
                         "^https?:\\/\\/.*\\/.*sw[0-9._].*"}) {
    INFO(re);
    CHECK_FALSE(regex_rejection(re));
  }
}
