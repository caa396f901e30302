// The host's one reply path (MessageParser: simdjson -> the Request handlers read;
// Router::handle; Result and JsonWriter) against the reference (nlohmann's own parser and dump, in
// reference_path.hpp): the same reply text for every request, and the batched session
// loop against frames that arrive one byte at a time.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "app/messages.hpp"
#include "app/services.hpp"
#include "memory_io.hpp"
#include "protocol/framing.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/params.hpp"
#include "protocol/session.hpp"
#include "reference_path.hpp"
#include "session_fixture.hpp"

using namespace optguard;
using namespace optguard::protocol;
using optguard::test::frame_of;
using optguard::test::MemoryReader;
using optguard::test::MemoryWriter;
using optguard::test::nlohmann_dump;
using optguard::test::reference_reply;
using optguard::test::replies_in;
using optguard::test::run_session;

namespace {
app::Services& services() {
  static app::Services s(HomeLocation{"/nonexistent/optguard-test", "test"});
  return s;
}

// The core messages plus one that reads typed params (bad_params paths) and one that
// fails unexpectedly (internal).
Router core_router(app::Services& services) {
  Router r;
  app::register_core_messages(r, services);
  // Reads its params from the request (simdjson's DOM in the host, the tree in the
  // reference) and `b` from the request's tree.
  r.add({"sum", "adds `a` and `b`", [](const Request& req, RequestContext&) {
           const auto a = params::optional_int(req, "a", -1000, 1000);
           return Json{{"sum", a.value_or(0) + req.json().at("b").get<std::int64_t>()},
                       {"name", params::optional_string(req, "name").value_or("")},
                       {"flag", params::optional_bool(req, "flag").value_or(false)}};
         }});
  // A result assembled member by member, echoing values of the request.
  r.add({"echo", "echoes `x` and `y` beside a tree", [](const Request& req, RequestContext&) {
           Result result;
           result.add("z", Json{{"k", 1}});
           if (const auto x = req.find("x")) result.add("x", *x);
           if (const auto y = req.find("y")) result.add("a", *y);
           result.add("z", params::require_string(req, "s"));  // replaces the first z
           return result;
         }});
  // A handler written for the tree.
  r.add({"tree", "reads the tree", [](const Json& req, RequestContext&) {
           return Json{{"keys", req.size()}, {"v", req.value("v", Json())}};
         }});
  r.add({"boom", "throws",
         [](const Json&, RequestContext&) -> Json { throw std::runtime_error("kaput \xff"); }});
  return r;
}

// Counts write_all calls (and keeps their sizes): a small batch of replies must leave in one.
class CountingWriter final : public ByteWriter {
 public:
  void write_all(std::span<const char> bytes) override {
    ++writes;
    sizes.push_back(bytes.size());
    data.append(bytes.data(), bytes.size());
  }
  std::string data;
  int writes = 0;
  std::vector<std::size_t> sizes;
};

std::string nested(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}
}  // namespace

TEST_CASE("reply path: every reply is byte for byte the reference reply", "[path]") {
  const Router router = core_router(services());
  MemoryReader in("");
  MemoryWriter out;
  Limits limits;
  limits.max_depth = 8;
  const Caller caller{"cli", "", ""};
  Session s(router, caller, limits, in, out);

  // Requests simdjson parses (no second parser runs).
  const std::vector<std::string> plain = {
      R"({"id":1,"type":"ping"})",
      R"(  {"type":"ping","id":"abc"}  )",
      R"({"id":-5,"type":"ping","data":"x"})",
      R"({"id":18446744073709551615,"type":"ping","data":null})",
      R"({"id":-9223372036854775808,"type":"ping","data":[true,false,null,-0,0,7]})",
      R"({"id":"\u00e9\n\"","type":"ping","data":"\"\\\b\f\n\r\t\u0001\u001f\u007f\/ é 😀 \uD83D\uDE00 \u0000"})",
      R"({"id":2,"type":"ping","data":{"z":1,"a":{"y":[],"b":{}},"\u00e9":"e","A":"","":0}})",
      "{\"id\":3,\"type\":\"ping\",\"data\":\"" + std::string(5000, 'x') + "\\n" +
          std::string(37, 'y') + "\"}",
      R"({"id":4,"type":"ping","data":)" + nested(7) + "}",  // depth 8: the limit
      R"({"id":5,"type":"ping","other":{"k":1.5},"data":"d"})",
      R"({"id":6,"type":"ping","data":[1.5,-0.0,0.1,1e20,1E-7,123456789.125,5e-324,1e-400]})",
      R"({"id":9,"id":10,"type":"ping"})",  // repeated key: the last wins
      R"({"id":11,"type":"ping","type":"hello"})",
      R"({"id":12,"type":"ping","data":{"a":1,"a":2}})",
      R"({"id":1.0,"type":"ping"})",  // a float id is echoed with bad_request
      R"({"id":2.5e3,"type":"ping"})",
      R"({"id":true,"type":"ping"})",
      R"({"id":[1],"type":"ping"})",
      R"({"type":"ping"})",
      R"({"id":13})",
      R"({"id":14,"type":7})",
      R"({"id":15,"type":"nope"})",
      R"({"id":"x\u0000y","type":"n\"ope"})",
      R"({"id":16,"type":"hello"})",
      R"({"id":17,"type":"sum","a":2,"b":3,"name":"n"})",
      R"({"id":18,"type":"sum","a":2000,"b":3})",  // out of range: bad_params
      R"({"id":19,"type":"sum","a":"2","b":3})",   // wrong type: bad_params
      R"({"id":20,"type":"sum","b":"3"})",         // nlohmann type_error: bad_params
      R"({"id":21,"type":"sum"})",                 // nlohmann out_of_range: bad_params
      R"({"id":22,"type":"boom"})",                // internal
      R"({"id":23,"type":"sum","a":18446744073709551615,"b":1})",  // wraps to -1, as nlohmann
      R"({"id":24,"type":"sum","a":null,"b":1,"name":null,"flag":true})",  // null: absent
      R"({"id":25,"type":"sum","a":1,"a":5,"b":1,"flag":"yes"})",          // bad_params
      R"({"id":26,"type":"sum","a":1.5,"b":1})",                           // not an integer
      R"({"id":27,"type":"echo","s":"s","x":{"b":[1,{"d":0,"c":1e3,"d":-2}],"a":null},"y":-0.0})",
      R"({"id":28,"type":"echo","s":"s","x":"\u00e9\ud83d\ude00\"","x":18446744073709551615})",
      R"({"id":29,"type":"echo","x":1})",  // bad_params: no `s`
      R"({"id":30,"type":"tree","v":{"b":1,"a":[2.5]},"w":0})",
      R"({"id":31,"type":"ping","data":[[[[[[[1]]]]]]]})",  // depth 8 holding a value
      R"({"id":32,"type":"ping","data":{"q":1,"p":2,"o":3,"n":4,"m":5,"l":6,"k":7,"j":8,"i":9,)"
      R"("h":10,"g":11,"f":12,"e":13,"d":14,"c":15,"b":16,"a":17,"q":18}})",  // over 16 keys
      "[1]",
      "42",
      "\"s\"",
      "null",
      "true",
      "-1.5",
  };
  // Requests simdjson refuses: nlohmann's parser decides (same reply as the reference).
  const std::vector<std::string> refused = {
      "{bad",
      "\xEF\xBB\xBF{\"id\":30,\"type\":\"ping\"}",               // a UTF-8 BOM: valid to nlohmann
      R"({"id":31,"type":"ping","data":18446744073709551616})",  // beyond 64 bits: a double
      R"({"id":18446744073709551616,"type":"ping"})",
      R"({"id":32,"type":"ping","data":-9223372036854775809})",
      R"({"id":33,"type":"ping","data":1e400})",  // beyond a double: bad_json
      R"({"id":34,"type":"ping","data":"\uDC00"})",
      R"({"id":35,"type":"ping","data":"\uD800"})",
      "{\"id\":36,\"type\":\"ping\",\"data\":\"\xff\"}",
      "{\"id\":37,\"type\":\"ping\",\"data\":\"\x01\"}",
      R"({"id":38,"type":"ping"} x)",
      R"({"id":39,"type":"ping",})",
      R"({"id":40,"type":"ping","data":01})",
  };
  // Refused before any parser runs.
  const std::vector<std::string> early = {
      "",
      R"({"id":17,"type":"ping","data":)" + nested(8) + "}",    // depth 9: too deep
      R"({"id":18,"type":"ping","data":[[[[[[[[1]]]]]]]]})",    // depth 9 holding a value
      R"({"id":19,"type":"ping","data":[[[[[[[[1]]]]]]]] x})",  // too deep and malformed
  };
  for (const auto& body : plain) {
    INFO(body);
    const std::size_t before = s.parser().nlohmann_parses();
    CHECK(s.reply_to(body) == reference_reply(router, caller, limits, body));
    CHECK(s.parser().nlohmann_parses() == before);
  }
  for (const auto& body : refused) {
    INFO(body);
    const std::size_t before = s.parser().nlohmann_parses();
    CHECK(s.reply_to(body) == reference_reply(router, caller, limits, body));
    CHECK(s.parser().nlohmann_parses() == before + 1);
  }
  for (const auto& body : early) {
    INFO(body);
    const std::size_t before = s.parser().nlohmann_parses();
    CHECK(s.reply_to(body) == reference_reply(router, caller, limits, body));
    CHECK(s.parser().nlohmann_parses() == before);
  }
  // The id is echoed exactly, the repeated key's last value wins.
  CHECK(Json::parse(s.reply_to(R"({"id":9,"id":"ten","type":"ping"})"))["id"] == "ten");
  CHECK(s.reply_to(R"({"id":18446744073709551615,"type":"ping"})")
            .starts_with(R"({"id":18446744073709551615,"ok":true)"));
}

TEST_CASE("reply path: a body over the simdjson size is parsed by nlohmann, same reply", "[path]") {
  const Router router = core_router(services());
  MemoryReader in("");
  MemoryWriter out;
  Limits limits;
  limits.max_reply_bytes = 4 * 1024 * 1024;
  const Caller caller{"cli", "", ""};
  Session s(router, caller, limits, in, out);
  const std::string body =
      R"({"id":1,"type":"ping","data":[")" + std::string(2 * 1024 * 1024, 'z') + R"(",0.25]})";
  CHECK(s.reply_to(body) == reference_reply(router, caller, limits, body));
  CHECK(s.parser().nlohmann_parses() == 1);
  // The parser's buffers went back to their kept size: the next body is simdjson's again.
  const std::string small = R"({"id":2,"type":"ping","data":")" + std::string(900000, 'q') + "\"}";
  CHECK(s.reply_to(small) == reference_reply(router, caller, limits, small));
  CHECK(s.reply_to(R"({"id":3,"type":"ping"})") == R"({"id":3,"ok":true,"result":{"pong":true}})");
  CHECK(s.parser().nlohmann_parses() == 1);
}

TEST_CASE("reply path: a reply over the cap becomes reply_too_large with the id", "[path]") {
  const Router router = core_router(services());
  MemoryReader in("");
  MemoryWriter out;
  Limits limits;
  limits.max_reply_bytes = 200;
  const Caller caller{"cli", "", ""};
  Session s(router, caller, limits, in, out);
  const std::string body = R"({"id":"i","type":"ping","data":")" + std::string(180, 'x') + "\"}";
  const std::string reply = s.reply_to(body);
  CHECK(reply == reference_reply(router, caller, limits, body));
  CHECK(Json::parse(reply)["error"]["code"] == "reply_too_large");
  CHECK(Json::parse(reply)["id"] == "i");
  // An error reply that is too large (bad_json quoting a long token) is capped too.
  const std::string bad = R"({"id":1,"type":"ping","data":")" + std::string(300, 'x') + "\x01\"}";
  CHECK(s.reply_to(bad) == reference_reply(router, caller, limits, bad));
}

TEST_CASE("JsonWriter: the text of nlohmann's dump for every kind of value", "[path]") {
  std::vector<Json> values = {
      nullptr,
      true,
      false,
      0,
      -1,
      42u,
      std::numeric_limits<std::int64_t>::min(),
      std::numeric_limits<std::uint64_t>::max(),
      "",
      "plain",
      std::string("nul\0in", 6),
      "\"\\\b\f\n\r\t\x01\x1f\x7f é 😀",
      std::string("bad \xff\xfe utf-8 \xc3"),  // replaced, as dump(replace) does
      std::string("\xed\xa0\x80 surrogate bytes"),
      Json::array(),
      Json::object(),
      Json{{"b", 1}, {"a", {1, 2.5, "x"}}, {"\xff", "key with a bad byte"}},
      Json::binary({1, 2, 3}),
      // Past the 16-byte scans: a valid character, then a bad byte, far into the text.
      std::string(37, 'a') + "\xc3\xa9" + std::string(40, 'b') + "\n\xf0\x9f\x98\x80",
      std::string(37, 'a') + "\xc3\xa9" + std::string(40, 'b') + "\xff" + std::string(20, 'c'),
      std::string(21, 'a') + "\x1f\"" + std::string(9, 'b') + "\xe2\x82",
  };
  for (const double d : {0.0,
                         -0.0,
                         0.5,
                         0.1,
                         1.0,
                         -1.0,
                         1e15,
                         1e16,
                         1e17,
                         1e20,
                         1e21,
                         1e-4,
                         1e-5,
                         123456789.123456789,
                         5e-324,
                         1.7976931348623157e308,
                         2.0 / 3.0,
                         std::nan(""),
                         std::numeric_limits<double>::infinity(),
                         -std::numeric_limits<double>::infinity()}) {
    values.emplace_back(d);
  }
  const Json id = "id";
  for (const auto& v : values) {
    INFO(nlohmann_dump(v));
    CHECK(serialize(v) == nlohmann_dump(v));
    std::string ok;
    write_ok(ok, Value(id), v);
    CHECK(ok == nlohmann_dump(make_ok("id", v)));
  }
  std::string err;
  const Json seven = 7;
  write_error(err, Value(seven), ErrorCode::bad_params, "no \"x\"\n\xff");
  CHECK(err == nlohmann_dump(make_error(7, ErrorCode::bad_params, "no \"x\"\n\xff")));
}

TEST_CASE("MessageParser: the tree nlohmann's parser builds", "[path]") {
  MessageParser parser{Limits{}};
  const std::string body =
      R"({"u":0,"big":18446744073709551615,"neg":-3,"negzero":-0,"f":2.5,"s":"\u00e9",)"
      R"("a":[{"k":null},true],"d":1,"d":2})";
  const Json tree = parser.parse(body);
  const Json ref = Json::parse(body);
  CHECK(tree == ref);
  CHECK(tree["u"].is_number_unsigned());
  CHECK(tree["big"].is_number_unsigned());
  CHECK(tree["neg"].is_number_integer());
  CHECK(!tree["neg"].is_number_unsigned());
  CHECK(tree["f"].is_number_float());
  CHECK(tree["d"] == 2);
  CHECK(parser.nlohmann_parses() == 0);
}

TEST_CASE("session: the replies of one read leave in one write, in order", "[path][session]") {
  const Router router = core_router(services());
  std::string input;
  for (int i = 0; i < 50; ++i) {
    input += frame_of(R"({"id":)" + std::to_string(i) + R"(,"type":"ping","data":"p"})");
  }
  input += frame_of("{bad");
  input += frame_of(R"({"id":"last","type":"hello"})");
  MemoryReader in(input);
  CountingWriter out;
  Session s(router, Caller{"cli", "", ""}, Limits{}, in, out);
  REQUIRE(s.run() == kExitClean);
  CHECK(out.writes == 1);
  CHECK(s.parser().nlohmann_parses() == 1);  // "{bad" only: simdjson refused it
  const auto replies = replies_in(out.data);
  REQUIRE(replies.size() == 52);
  for (int i = 0; i < 50; ++i) {
    CHECK(replies[i]["id"] == i);
    CHECK(replies[i]["result"]["data"] == "p");
  }
  CHECK(replies[50]["error"]["code"] == "bad_json");
  CHECK(replies[51]["id"] == "last");
}

TEST_CASE("session: a read whose replies outgrow a pipe writes them in 16 KiB parts",
          "[path][session]") {
  // 600 small pings in one read: ~60 KiB of replies, more than a pipe's 64 KiB holds once
  // the requests' bytes are in it too. Written in parts, the browser can read the first
  // while the host answers the rest.
  const Router router = core_router(services());
  std::string input;
  for (int i = 0; i < 600; ++i) {
    input += frame_of(R"({"id":)" + std::to_string(i) + R"(,"type":"ping","data":")" +
                      std::string(60, 'x') + R"("})");
  }
  MemoryReader in(input);
  CountingWriter out;
  Session s(router, Caller{"cli", "", ""}, Limits{}, in, out);
  REQUIRE(s.run() == kExitClean);
  REQUIRE(out.writes >= 3);
  constexpr std::size_t kPart = std::size_t{16} * 1024;
  for (std::size_t i = 0; i + 1 < out.sizes.size(); ++i) {
    CHECK(out.sizes[i] >= kPart);
    CHECK(out.sizes[i] < kPart + 200);  // what was pending at 16 KiB, plus one reply
  }
  const auto replies = replies_in(out.data);
  REQUIRE(replies.size() == 600);
  for (int i = 0; i < 600; ++i) CHECK(replies[i]["id"] == i);
}

TEST_CASE("session: frames arriving a byte at a time get the same replies", "[path][session]") {
  const Router router = core_router(services());
  Limits limits;
  limits.max_request_bytes = 300 * 1024;
  std::string input;
  input += frame_of(R"({"id":1,"type":"ping","data":")" + std::string(200 * 1024, 'b') + "\"}");
  input += frame_of(std::string(400 * 1024, ' '));  // over the cap: skipped, frame_too_large
  input += frame_of(R"({"id":2,"type":"ping"})");
  input += frame_of("");
  input += frame_of(R"({"id":3,"type":"ping","data":[1,2]})");

  const auto whole = run_session(router, input, limits);
  REQUIRE(whole.exit_code == kExitClean);

  MemoryReader trickle(input, 1);
  CountingWriter out_trickle;
  Session b(router, Caller{"cli", "", ""}, limits, trickle, out_trickle);
  REQUIRE(b.run() == kExitClean);

  CHECK(out_trickle.data == whole.written);
  CHECK(out_trickle.writes == 5);  // one reply per read that completed a frame
  const auto& replies = whole.replies;
  REQUIRE(replies.size() == 5);
  CHECK(replies[0]["result"]["data"].get<std::string>().size() == 200 * 1024);
  CHECK(replies[1]["error"]["code"] == "frame_too_large");
  CHECK(replies[1]["id"].is_null());
  CHECK(replies[2]["id"] == 2);
  CHECK(replies[3]["error"]["code"] == "empty_frame");
  CHECK(replies[4]["result"]["data"] == Json{1, 2});
}

TEST_CASE("session: EOF inside a large body after answered frames", "[path][session]") {
  const Router router = core_router(services());
  const std::string input =
      frame_of(R"({"id":1,"type":"ping"})") + frame_of(std::string(100000, ' ')).substr(0, 70000);
  const auto run = run_session(router, input, Limits{}, 4096);
  CHECK(run.exit_code == kExitTruncated);
  REQUIRE(run.replies.size() == 1);
  CHECK(run.replies[0]["id"] == 1);
}

TEST_CASE("envelope: a number too large for a double is bad_json, not a crash", "[path]") {
  const Router router = core_router(services());
  const auto run = run_session(router, frame_of(R"({"id":1,"type":"ping","data":1e400})") +
                                           frame_of(R"({"id":2,"type":"ping"})"));
  REQUIRE(run.exit_code == kExitClean);
  REQUIRE(run.replies.size() == 2);
  CHECK(run.replies[0]["error"]["code"] == "bad_json");
  CHECK(run.replies[1]["id"] == 2);
}

TEST_CASE("nesting_depth: brackets inside long strings and after escapes do not count", "[path]") {
  const std::string pad(19, 'x');
  CHECK(nesting_depth(R"({"a":")" + pad + R"([[[[\"[[[[)" + pad + R"("})", 3) == 1);
  CHECK(nesting_depth(R"({"a":")" + pad + R"(\\"},[[)" + pad, 5) == 2);
  CHECK(nesting_depth(R"(["\")" + pad + R"(\\\"[[[[[[" ,[[]]])", 8) == 3);
  CHECK(nesting_depth(R"({"unterminated [[[[)" + pad, 2) == 1);
  CHECK(nesting_depth(std::string(70, '[') + "\"" + pad, 64) == 65);
}
