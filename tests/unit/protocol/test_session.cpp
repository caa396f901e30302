#include <catch2/catch.hpp>
#include <cstring>

#include "memory_io.hpp"
#include "protocol/session.hpp"
#include "session_fixture.hpp"

using namespace optguard;
using namespace optguard::protocol;
using optguard::test::frame_of;
using optguard::test::length_only;
using optguard::test::MemoryReader;
using optguard::test::MemoryWriter;
using Run = optguard::test::SessionRun;

namespace {
Router test_router() {
  Router r;
  r.add({"ping", "ping", [](const Json&, RequestContext&) { return Json{{"pong", true}}; }});
  r.add({"big", "a reply of n bytes", [](const Json& req, RequestContext&) {
           return Json{{"blob", std::string(req.at("n").get<std::size_t>(), 'x')}};
         }});
  r.add({"notify", "emits an event, then replies", [](const Json&, RequestContext& ctx) {
           ctx.events->emit(Json{{"event", "changed"}});
           return Json{{"done", true}};
         }});
  return r;
}

Run run_session(const std::string& input, Limits limits = Limits{}) {
  return optguard::test::run_session(test_router(), input, limits);
}
}  // namespace

TEST_CASE("session: clean EOF between frames exits 0", "[session]") {
  const auto run = run_session(frame_of(R"({"id":1,"type":"ping"})"));
  CHECK(run.exit_code == kExitClean);
  REQUIRE(run.replies.size() == 1);
  CHECK(run.replies[0]["result"]["pong"] == true);
}

TEST_CASE("session: EOF inside the length or body exits non-zero", "[session]") {
  CHECK(run_session(frame_of(R"({"id":1,"type":"ping"})") + "\x02").exit_code == kExitTruncated);
  CHECK(run_session(length_only(20) + "{\"id\":").exit_code == kExitTruncated);
}

TEST_CASE("session: bad frames get an error reply and the next frame is served", "[session]") {
  std::string input;
  input += length_only(0);                                           // empty
  input += frame_of("{bad json");                                    // malformed
  input += frame_of("[1,2,3]");                                      // not an object
  input += frame_of("{\"id\":9,\"s\":\"\xff\"}");                    // invalid UTF-8
  input += frame_of(std::string(100, '[') + std::string(100, ']'));  // too deep
  input += frame_of(R"({"id":2,"type":"nope"})");                    // unknown type
  input += frame_of(R"({"id":3,"type":"ping"})");
  const auto run = run_session(input);
  CHECK(run.exit_code == kExitClean);
  REQUIRE(run.replies.size() == 7);
  CHECK(run.replies[0]["error"]["code"] == "empty_frame");
  CHECK(run.replies[1]["error"]["code"] == "bad_json");
  CHECK(run.replies[2]["error"]["code"] == "not_an_object");
  CHECK(run.replies[3]["error"]["code"] == "bad_json");
  CHECK(run.replies[4]["error"]["code"] == "too_deep");
  CHECK(run.replies[5]["error"]["code"] == "unknown_type");
  CHECK(run.replies[5]["id"] == 2);
  CHECK(run.replies[6]["ok"] == true);
  CHECK(run.replies[6]["id"] == 3);
}

TEST_CASE("session: an over-cap frame gets frame_too_large, then serving goes on", "[session]") {
  Limits limits;
  limits.max_request_bytes = 64;
  const auto run =
      run_session(frame_of(std::string(1000, ' ')) + frame_of(R"({"id":1,"type":"ping"})"), limits);
  CHECK(run.exit_code == kExitClean);
  REQUIRE(run.replies.size() == 2);
  CHECK(run.replies[0]["error"]["code"] == "frame_too_large");
  CHECK(run.replies[0]["id"].is_null());
  CHECK(run.replies[1]["ok"] == true);
}

TEST_CASE("session: an untrustable length ends the session cleanly", "[session]") {
  Limits limits;
  limits.max_request_bytes = 64;
  limits.max_skip_bytes = 128;
  const auto run =
      run_session(length_only(0x7FFFFFFF) + frame_of(R"({"id":1,"type":"ping"})"), limits);
  CHECK(run.exit_code == kExitUntrusted);
  CHECK(run.replies.empty());
}

TEST_CASE("session: an event a handler emits follows its reply, both whole frames", "[session]") {
  // The reply's length prefix is reserved before the handler runs: an event written at once
  // would land inside the reply.
  const auto run =
      run_session(frame_of(R"({"id":1,"type":"notify"})") + frame_of(R"({"id":2,"type":"ping"})"));
  CHECK(run.exit_code == kExitClean);
  REQUIRE(run.replies.size() == 3);
  CHECK(run.replies[0] == Json::parse(R"({"id":1,"ok":true,"result":{"done":true}})"));
  CHECK(run.replies[1] == Json{{"event", "changed"}});
  CHECK(run.replies[2]["id"] == 2);
}

TEST_CASE("session: a reply over 1 MiB is never written", "[session]") {
  const auto run = run_session(frame_of(R"({"id":1,"type":"big","n":2000000})") +
                               frame_of(R"({"id":2,"type":"big","n":1000})"));
  REQUIRE(run.replies.size() == 2);
  CHECK(run.replies[0]["error"]["code"] == "reply_too_large");
  CHECK(run.replies[0]["id"] == 1);
  CHECK(run.replies[1]["ok"] == true);
}
