// hello and ping: the handshake every client starts with.
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
                // Built member by member: an initializer list builds a temporary
                // [key, value] array per member first.
                protocol::Json result(protocol::Json::value_t::object);
                auto& members = result.get_ref<protocol::Json::object_t&>();
                members.emplace("pong", true);
                if (const auto it = req.find("data"); it != req.end()) members.emplace("data", *it);
                return result;
              }});
}

}  // namespace optguard::app
