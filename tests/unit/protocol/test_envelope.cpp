#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "protocol/envelope.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/request.hpp"
#include "protocol/scan.hpp"

using namespace optguard;
using namespace optguard::protocol;

namespace {
ErrorCode code_of(std::string_view body, const Limits& limits = Limits{}) {
  try {
    parse_message(body, limits);
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("expected an error for: " << body);
  return ErrorCode::internal;
}
}  // namespace

TEST_CASE("parse_message accepts an object", "[envelope]") {
  const auto j = parse_message(R"({"id":1,"type":"ping","s":"h\u00e9"})", Limits{});
  CHECK(j["type"] == "ping");
}

TEST_CASE("parse_message errors", "[envelope]") {
  CHECK(code_of("") == ErrorCode::empty_frame);
  CHECK(code_of("{\"id\":") == ErrorCode::bad_json);
  CHECK(code_of("not json") == ErrorCode::bad_json);
  CHECK(code_of("[1,2]") == ErrorCode::not_an_object);
  CHECK(code_of("42") == ErrorCode::not_an_object);
  CHECK(code_of("\"str\"") == ErrorCode::not_an_object);
  CHECK(code_of("{\"s\":\"\xff\xfe\"}") == ErrorCode::bad_json);  // invalid UTF-8
  CHECK(code_of("{\"s\":\"\xc3\"}") == ErrorCode::bad_json);      // truncated sequence
  CHECK(code_of(R"({"s":"\ud800"})") == ErrorCode::bad_json);     // lone surrogate
  Limits shallow;
  shallow.max_depth = 4;
  CHECK(code_of(R"({"a":[[[[1]]]]})", shallow) == ErrorCode::too_deep);
  CHECK_NOTHROW(parse_message(R"({"a":[[[1]]]})", shallow));
}

TEST_CASE("nesting depth ignores brackets inside strings", "[envelope]") {
  CHECK(nesting_depth(R"({"a":"[[[[[[[[{{{{"})", 100) == 1);
  CHECK(nesting_depth(R"({"a":"\"[[[["})", 100) == 1);
  CHECK(nesting_depth(std::string(100000, '['), 64) == 65);
}

TEST_CASE("serialize replaces invalid UTF-8 instead of failing", "[envelope]") {
  const Json j{{"s", std::string("a\xff"
                                 "b")}};
  const auto text = serialize(j);
  CHECK(text.find("\xff") == std::string::npos);
  CHECK_NOTHROW(Json::parse(text));
}

namespace {
// What scan::to_special<kControls, kHigh> must return: the first byte it stops at, one by one.
template <bool kControls, bool kHigh>
std::size_t first_special(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\' || (kControls && c < 0x20) || (kHigh && c >= 0x80)) return i;
  }
  return text.size();
}

template <bool kControls, bool kHigh>
void check_scan(const std::string& text) {
  // An exactly sized heap copy: a scan that read past the end would be caught by ASan.
  const auto copy = std::make_unique<char[]>(text.size() + 1);
  std::memcpy(copy.get(), text.data(), text.size());
  const char* p = copy.get();
  // Every start offset, so each bulk, overlapping-tail and byte-wise branch is taken.
  for (std::size_t from = 0; from <= text.size(); ++from) {
    const std::size_t got =
        static_cast<std::size_t>(scan::to_special<kControls, kHigh>(p + from, p + text.size()) - p);
    const std::size_t want = from + first_special<kControls, kHigh>(text.substr(from));
    INFO("length " << text.size() << ", from " << from);
    REQUIRE(got == want);
  }
}
}  // namespace

TEST_CASE("string scans stop at the first special byte at every length and position",
          "[envelope]") {
  // One special byte (or a near miss: 0x20, 0x7f, '!' are plain) at each position of strings
  // of 0 to 40 bytes, plus two specials where a false mark above the first could mislead.
  const std::string bytes = std::string("\"\\\x01\x1f\x20\x7f!\x80\xff", 9) + std::string(1, '\0');
  for (std::size_t n = 0; n <= 40; ++n) {
    const std::string plain(n, 'a');
    check_scan<true, true>(plain);
    check_scan<true, false>(plain);
    check_scan<false, false>(plain);
    for (std::size_t at = 0; at < n; ++at) {
      for (const char b : bytes) {
        std::string text = plain;
        text[at] = b;
        check_scan<true, true>(text);
        check_scan<true, false>(text);
        check_scan<false, false>(text);
        if (at + 1 < n) {
          text[at + 1] = '"';
          check_scan<true, true>(text);
          check_scan<false, false>(text);
        }
      }
    }
  }
}

TEST_CASE("JsonWriter writes strings of every length as nlohmann's dump", "[envelope]") {
  for (std::size_t n = 0; n <= 40; ++n) {
    for (const char b : std::string("a\"\\\n\x01\x7f\xc3", 7)) {
      std::string text(n, 'x');
      if (n > 0) text[n / 2] = b;
      if (n > 1 && b == '\xc3') text[n / 2 + 1] = '\xa9';  // a whole character
      std::string out;
      JsonWriter(out).string(text);
      INFO("length " << n);
      CHECK(out ==
            nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
  }
}

TEST_CASE("the depth limit holds at every nesting around it, empty containers included",
          "[envelope]") {
  // {"a":[[…]]} nesting d deep (d = 1: {}), for small limits and the default one.
  const auto nested_object = [](int d) {
    if (d == 1) return std::string("{}");
    const auto n = static_cast<std::size_t>(d - 1);
    return R"({"a":)" + std::string(n, '[') + std::string(n, ']') + "}";
  };
  for (const int limit : {0, 1, 2, 3, 5, 64}) {
    Limits limits;
    limits.max_depth = limit;
    for (int d = 1; d <= limit + 2; ++d) {
      INFO("limit " << limit << ", depth " << d);
      const std::string body = nested_object(d);
      if (d > limit) {
        CHECK(code_of(body, limits) == ErrorCode::too_deep);
      } else {
        CHECK(parse_message(body, limits).is_object());
      }
    }
  }
}

namespace {
std::string text_of(const Result& r) {
  std::string out;
  JsonWriter w(out);
  r.write(w);
  return out;
}
}  // namespace

TEST_CASE("a Result keeps its members through copies and moves", "[envelope]") {
  const Json request = {{"x", "echoed"}, {"n", 7}};
  const Request req(request);
  for (std::size_t n = 0; n <= 7; ++n) {  // members inline (up to 4) and past them
    INFO(n << " members");
    Result r;
    Json want = Json::object();
    for (std::size_t i = 0; i < n; ++i) {
      // Added out of key order. (Built in two steps: `"k" + std::to_string(...)` trips GCC
      // 12's false-positive -Wrestrict at -O3, bug 105329.)
      std::string key = "k";
      key += std::to_string(n - i);
      if (i % 3 == 0) {
        r.add(key, *req.find("x"));
        want[key] = "echoed";
      } else if (i % 3 == 1) {
        r.add(key, i % 2 == 0);
        want[key] = i % 2 == 0;
      } else {
        r.add(key, Json{{"i", i}});
        want[key] = Json{{"i", i}};
      }
    }
    const std::string expected = n == 0 ? "null" : want.dump();
    CHECK(text_of(r) == expected);
    Result copy(r);
    CHECK(text_of(copy) == expected);
    CHECK(text_of(r) == expected);
    Result moved(std::move(copy));
    CHECK(text_of(moved) == expected);
    Result assigned = Json{{"old", 1}};
    assigned = moved;
    CHECK(text_of(assigned) == expected);
    Result target;
    target.add("gone", true);
    target = std::move(assigned);
    CHECK(text_of(target) == expected);
    target = *&target;  // self-assignment keeps it
    CHECK(text_of(target) == expected);
    CHECK(std::move(target).to_json().dump() == expected);
  }
}
