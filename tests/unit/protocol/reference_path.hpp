#pragma once
// The oracle the host's one reply path is compared with (tests and fuzz_protocol only):
// the same request answered with nlohmann's own parser, Router::dispatch and nlohmann's
// dump, as the host did before its parser and writer were replaced. The wire must not
// be able to tell the two apart.
#include <string>
#include <string_view>

#include "protocol/envelope.hpp"
#include "protocol/router.hpp"

namespace optguard::test {

inline std::string nlohmann_dump(const protocol::Json& value) {
  return value.dump(-1, ' ', false, protocol::Json::error_handler_t::replace);
}

// nlohmann's parse with the host's checks before it (empty frame, depth).
inline protocol::Json reference_parse(std::string_view body, const protocol::Limits& limits) {
  using protocol::Json;
  if (body.empty())
    throw Error(ErrorCode::empty_frame, "the frame has length 0: expected a JSON object");
  if (protocol::nesting_depth(body, limits.max_depth) > limits.max_depth) {
    throw Error(ErrorCode::too_deep,
                "the message nests deeper than " + std::to_string(limits.max_depth) + " levels");
  }
  Json value;
  try {
    value = Json::parse(body);
  } catch (const Json::exception& e) {
    throw Error(ErrorCode::bad_json, std::string("not valid JSON: ") + e.what());
  }
  if (!value.is_object()) {
    throw Error(ErrorCode::not_an_object,
                std::string("a message must be a JSON object, got ") + value.type_name());
  }
  return value;
}

inline std::string reference_reply(const protocol::Router& router, const protocol::Caller& caller,
                                   const protocol::Limits& limits, std::string_view body) {
  using protocol::Json;
  Json reply;
  try {
    const Json request = reference_parse(body, limits);
    protocol::RequestContext ctx{caller, nullptr};
    reply = router.dispatch(request, ctx);
  } catch (const Error& e) {
    reply = protocol::make_error(nullptr, e.code(), e.what());
  }
  std::string text = nlohmann_dump(reply);
  if (text.size() > limits.max_reply_bytes) {
    text = nlohmann_dump(protocol::make_error(
        reply.value("id", Json(nullptr)), ErrorCode::reply_too_large,
        "the reply would be " + std::to_string(text.size()) +
            " bytes; the browser accepts at most " + std::to_string(limits.max_reply_bytes) +
            ": ask for a smaller page"));
  }
  return text;
}

}  // namespace optguard::test
