// The fast path (simdjson + JsonWriter, for ping) against the reference path (nlohmann
// parse, the MessageSpec handler, dump): same reply text for every request, and the
// batched session loop against frames that arrive one byte at a time.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "app/messages.hpp"
#include "app/services.hpp"
#include "memory_io.hpp"
#include "protocol/framing.hpp"
#include "protocol/session.hpp"

using namespace optguard;
using namespace optguard::protocol;
using optguard::test::frame_of;
using optguard::test::MemoryReader;
using optguard::test::MemoryWriter;

namespace {
Router core_router(app::Services& services) {
  Router r;
  app::register_core_messages(r, services);
  return r;
}

app::Services& services() {
  static app::Services s(HomeLocation{"/nonexistent/optguard-test", "test"});
  return s;
}

// Counts write_all calls: a batch of replies must leave in one.
class CountingWriter final : public ByteWriter {
 public:
  void write_all(std::span<const char> bytes) override {
    ++writes;
    data.append(bytes.data(), bytes.size());
  }
  std::string data;
  int writes = 0;
};

std::string nested(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}
}  // namespace

TEST_CASE("fast path: ping replies are byte for byte the reference replies", "[fast]") {
  const Router router = core_router(services());
  MemoryReader in("");
  MemoryWriter out;
  Limits limits;
  limits.max_depth = 8;
  Session s(router, Caller{"cli", "", ""}, limits, in, out);

  // Requests the fast path must answer itself.
  const std::vector<std::string> fast = {
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
  };
  // Requests it must leave to the reference path (and the reply is still identical).
  const std::vector<std::string> declined = {
      "",
      "[1]",
      "{bad",
      R"({"id":6,"type":"ping","data":1.5})",
      R"({"id":7,"type":"ping","data":1e400})",
      R"({"id":8,"type":"ping","data":18446744073709551616})",
      R"({"id":9,"id":10,"type":"ping"})",
      R"({"id":11,"type":"ping","type":"hello"})",
      R"({"id":12,"type":"ping","data":{"a":1,"a":2}})",
      R"({"id":1.0,"type":"ping"})",
      R"({"id":true,"type":"ping"})",
      R"({"type":"ping"})",
      R"({"id":13})",
      R"({"id":14,"type":7})",
      R"({"id":15,"type":"nope"})",
      R"({"id":16,"type":"hello"})",
      R"({"id":17,"type":"ping","data":)" + nested(8) + "}",  // depth 9: too deep
      R"({"id":18,"type":"ping","data":"\uDC00"})",
      R"({"id":19,"type":"ping","data":"\uD800"})",
      "{\"id\":20,\"type\":\"ping\",\"data\":\"\xff\"}",
      "{\"id\":21,\"type\":\"ping\",\"data\":\"\x01\"}",
      R"({"id":22,"type":"ping"} x)",
  };
  for (const auto& body : fast) {
    INFO(body);
    const std::size_t before = s.fast_replies();
    CHECK(s.reply_to(body) == s.reference_reply(body));
    CHECK(s.fast_replies() == before + 1);
  }
  for (const auto& body : declined) {
    INFO(body);
    const std::size_t before = s.fast_replies();
    CHECK(s.reply_to(body) == s.reference_reply(body));
    CHECK(s.fast_replies() == before);
  }
}

TEST_CASE("fast path: a reply over the cap goes the reference way (reply_too_large)", "[fast]") {
  const Router router = core_router(services());
  MemoryReader in("");
  MemoryWriter out;
  Limits limits;
  limits.max_reply_bytes = 200;
  Session s(router, Caller{"cli", "", ""}, limits, in, out);
  const std::string body = R"({"id":1,"type":"ping","data":")" + std::string(180, 'x') + "\"}";
  const std::string reply = s.reply_to(body);
  CHECK(reply == s.reference_reply(body));
  CHECK(Json::parse(reply)["error"]["code"] == "reply_too_large");
  CHECK(s.fast_replies() == 0);
}

TEST_CASE("session: the replies of one read leave in one write, in order", "[fast][session]") {
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
  CHECK(s.fast_replies() == 50);
  MemoryReader replies(out.data);
  for (int i = 0; i < 50; ++i) {
    const auto f = read_frame(replies, Limits{});
    REQUIRE(f.status == ReadStatus::frame);
    const Json reply = Json::parse(f.body);
    CHECK(reply["id"] == i);
    CHECK(reply["result"]["data"] == "p");
  }
  CHECK(Json::parse(read_frame(replies, Limits{}).body)["error"]["code"] == "bad_json");
  CHECK(Json::parse(read_frame(replies, Limits{}).body)["id"] == "last");
  CHECK(read_frame(replies, Limits{}).status == ReadStatus::end_of_stream);
}

TEST_CASE("session: frames arriving a byte at a time get the same replies", "[fast][session]") {
  const Router router = core_router(services());
  Limits limits;
  limits.max_request_bytes = 300 * 1024;
  std::string input;
  input += frame_of(R"({"id":1,"type":"ping","data":")" + std::string(200 * 1024, 'b') + "\"}");
  input += frame_of(std::string(400 * 1024, ' '));  // over the cap: skipped, frame_too_large
  input += frame_of(R"({"id":2,"type":"ping"})");
  input += frame_of("");
  input += frame_of(R"({"id":3,"type":"ping","data":[1,2]})");

  MemoryReader whole(input);
  MemoryWriter out_whole;
  Session a(router, Caller{"cli", "", ""}, limits, whole, out_whole);
  REQUIRE(a.run() == kExitClean);

  MemoryReader trickle(input, 1);
  CountingWriter out_trickle;
  Session b(router, Caller{"cli", "", ""}, limits, trickle, out_trickle);
  REQUIRE(b.run() == kExitClean);

  CHECK(out_trickle.data == out_whole.data);
  CHECK(out_trickle.writes == 5);  // one reply per read that completed a frame
  MemoryReader replies(out_whole.data);
  CHECK(
      Json::parse(read_frame(replies, Limits{}).body)["result"]["data"].get<std::string>().size() ==
      200 * 1024);
  CHECK(Json::parse(read_frame(replies, Limits{}).body)["error"]["code"] == "frame_too_large");
  CHECK(Json::parse(read_frame(replies, Limits{}).body)["id"] == 2);
  CHECK(Json::parse(read_frame(replies, Limits{}).body)["error"]["code"] == "empty_frame");
  CHECK(Json::parse(read_frame(replies, Limits{}).body)["result"]["data"] == Json{1, 2});
}

TEST_CASE("session: EOF inside a large body after answered frames", "[fast][session]") {
  const Router router = core_router(services());
  const std::string input =
      frame_of(R"({"id":1,"type":"ping"})") + frame_of(std::string(100000, ' ')).substr(0, 70000);
  MemoryReader in(input, 4096);
  MemoryWriter out;
  Session s(router, Caller{"cli", "", ""}, Limits{}, in, out);
  CHECK(s.run() == kExitTruncated);
  MemoryReader replies(out.data);
  CHECK(Json::parse(read_frame(replies, Limits{}).body)["id"] == 1);
  CHECK(read_frame(replies, Limits{}).status == ReadStatus::end_of_stream);
}

TEST_CASE("envelope: a number too large for a double is bad_json, not a crash", "[fast]") {
  const Router router = core_router(services());
  MemoryReader in(frame_of(R"({"id":1,"type":"ping","data":1e400})") +
                  frame_of(R"({"id":2,"type":"ping"})"));
  MemoryWriter out;
  Session s(router, Caller{"cli", "", ""}, Limits{}, in, out);
  REQUIRE(s.run() == kExitClean);
  MemoryReader replies(out.data);
  CHECK(Json::parse(read_frame(replies, Limits{}).body)["error"]["code"] == "bad_json");
  CHECK(Json::parse(read_frame(replies, Limits{}).body)["id"] == 2);
}

TEST_CASE("nesting_depth: brackets inside long strings and after escapes do not count", "[fast]") {
  const std::string pad(19, 'x');
  CHECK(nesting_depth(R"({"a":")" + pad + R"([[[[\"[[[[)" + pad + R"("})", 3) == 1);
  CHECK(nesting_depth(R"({"a":")" + pad + R"(\\"},[[)" + pad, 5) == 2);
  CHECK(nesting_depth(R"(["\")" + pad + R"(\\\"[[[[[[" ,[[]]])", 8) == 3);
  CHECK(nesting_depth(R"({"unterminated [[[[)" + pad, 2) == 1);
  CHECK(nesting_depth(std::string(70, '[') + "\"" + pad, 64) == 65);
}
