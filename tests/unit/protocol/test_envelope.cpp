#include <catch2/catch.hpp>

#include "protocol/envelope.hpp"

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
