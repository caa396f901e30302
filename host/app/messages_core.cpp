// hello and ping: the handshake every client starts with.
#include <nlohmann/json.hpp>

#include "app/messages.hpp"
#include "optguard/version.hpp"
#include "protocol/limits.hpp"
#include "protocol/request.hpp"

namespace optguard::app {

void register_core_messages(protocol::Router& router, Services& /*services*/) {
  router.add({"hello", "protocol version, host version, capabilities and the caller",
              [&router](const protocol::Request& /*req*/, protocol::RequestContext& ctx) {
                return protocol::Json{
                    {"protocol", protocol::kProtocolVersion},
                    {"host", kHostVersion},
                    {"capabilities", router.types()},
                    {"max_reply_bytes", protocol::kMaxReplyBytes},
                    {"caller", {{"browser", ctx.caller.browser}, {"origin", ctx.caller.origin}}},
                };
              }});
  router.add({"ping", "liveness check; echoes `data` if given",
              [](const protocol::Request& req, protocol::RequestContext& /*ctx*/) {
                // `data` goes back as it came, written from the request (no tree).
                protocol::Result result;
                if (const auto data = req.find("data")) result.add("data", *data);
                result.add("pong", true);
                return result;
              }});
}

}  // namespace optguard::app
