#include <catch2/catch.hpp>

#include "protocol/params.hpp"
#include "protocol/router.hpp"

using namespace optguard;
using namespace optguard::protocol;

namespace {
Router make_router() {
  Router r;
  r.add({"echo", "echo", [](const Json& req, RequestContext&) {
           return Json{{"text", params::require_string(req, "text")}};
         }});
  r.add({"boom", "throws",
         [](const Json&, RequestContext&) -> Json { throw std::runtime_error("kaput"); }});
  r.add({"wrongtype", "reads a param with the wrong JSON type",
         [](const Json& req, RequestContext&) { return Json(req.at("n").get<int>()); }});
  return r;
}
Json call(const Router& r, const Json& req) {
  Caller c{"cli", "", ""};
  RequestContext ctx{c, nullptr};
  return r.dispatch(req, ctx);
}
}  // namespace

TEST_CASE("router replies ok with the request id", "[router]") {
  const auto r = make_router();
  const auto reply = call(r, {{"id", 7}, {"type", "echo"}, {"text", "hi"}});
  CHECK(reply["id"] == 7);
  CHECK(reply["ok"] == true);
  CHECK(reply["result"]["text"] == "hi");
  CHECK(call(r, {{"id", "abc"}, {"type", "echo"}, {"text", "x"}})["id"] == "abc");
}

TEST_CASE("router answers every failure with exactly one error reply", "[router]") {
  const auto r = make_router();
  auto reply = call(r, {{"id", 1}, {"type", "nope"}});
  CHECK(reply["ok"] == false);
  CHECK(reply["error"]["code"] == "unknown_type");
  CHECK(reply["id"] == 1);

  reply = call(r, {{"id", 2}, {"type", "echo"}});
  CHECK(reply["error"]["code"] == "bad_params");
  CHECK(reply["error"]["message"].get<std::string>().find("text") != std::string::npos);

  reply = call(r, {{"id", 3}, {"type", "echo"}, {"text", 5}});
  CHECK(reply["error"]["code"] == "bad_params");

  reply = call(r, {{"type", "echo"}});
  CHECK(reply["error"]["code"] == "bad_request");
  CHECK(reply["id"].is_null());

  reply = call(r, {{"id", {1, 2}}, {"type", "echo"}});
  CHECK(reply["error"]["code"] == "bad_request");

  reply = call(r, {{"id", 4}});
  CHECK(reply["error"]["code"] == "bad_request");
  CHECK(reply["id"] == 4);

  reply = call(r, {{"id", 5}, {"type", "boom"}});
  CHECK(reply["error"]["code"] == "internal");

  reply = call(r, {{"id", 6}, {"type", "wrongtype"}, {"n", "x"}});
  CHECK(reply["error"]["code"] == "bad_params");
}

TEST_CASE("router refuses duplicate registrations", "[router]") {
  Router r = make_router();
  CHECK_THROWS_AS(r.add({"echo", "again", [](const Json&, RequestContext&) { return Json(); }}),
                  std::logic_error);
}

TEST_CASE("error codes have stable wire names", "[router]") {
  // Append-only: these strings are the protocol. Changing one breaks every extension.
  CHECK(code_name(ErrorCode::frame_too_large) == "frame_too_large");
  CHECK(code_name(ErrorCode::bad_json) == "bad_json");
  CHECK(code_name(ErrorCode::unknown_type) == "unknown_type");
  CHECK(code_name(ErrorCode::bad_params) == "bad_params");
  CHECK(code_name(ErrorCode::reply_too_large) == "reply_too_large");
  CHECK(code_name(ErrorCode::internal) == "internal");
}
