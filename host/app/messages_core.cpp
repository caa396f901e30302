// hello and ping: the handshake every client starts with.
#include <simdjson.h>

#include <nlohmann/json.hpp>

#include "app/messages.hpp"
#include "optguard/version.hpp"
#include "protocol/limits.hpp"

namespace optguard::app {

void register_core_messages(protocol::Router& router, Services& /*services*/) {
  router.add({"hello", "protocol version, host version, capabilities and the caller",
              [&router](const protocol::Json& /*req*/, protocol::RequestContext& ctx) {
                return protocol::Json{
                    {"protocol", protocol::kProtocolVersion},
                    {"host", kHostVersion},
                    {"capabilities", router.types()},
                    {"max_reply_bytes", protocol::kMaxReplyBytes},
                    {"caller", {{"browser", ctx.caller.browser}, {"origin", ctx.caller.origin}}},
                };
              }});
  router.add({"ping", "liveness check; echoes `data` if given",
              [](const protocol::Json& req, protocol::RequestContext& /*ctx*/) {
                protocol::Json result{{"pong", true}};
                if (const auto it = req.find("data"); it != req.end()) result["data"] = *it;
                return result;
              }});
  // The hot path of the same message (the benchmark's and a busy extension's): the
  // result written straight from the parsed request, byte for byte what the handler
  // above gives.
  router.add_fast("ping", [](const simdjson::dom::object& req, protocol::JsonWriter& result,
                             protocol::RequestContext& /*ctx*/) {
    simdjson::dom::element data;
    if (req["data"].get(data) == simdjson::SUCCESS) {
      result.raw(R"({"data":)");
      result.value(data);
      result.raw(R"(,"pong":true})");
    } else {
      result.raw(R"({"pong":true})");
    }
  });
}

}  // namespace optguard::app
