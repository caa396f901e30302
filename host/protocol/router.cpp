#include "protocol/router.hpp"

#include <stdexcept>

#include "common/log.hpp"

namespace optguard::protocol {

void Router::add(MessageSpec spec) {
  if (spec.type.empty() || !spec.handler)
    throw std::logic_error("a message needs a type and a handler");
  const std::string type = spec.type;
  const auto [it, added] = specs_.emplace(type, std::move(spec));
  if (!added) throw std::logic_error("message type registered twice: " + type);
  index_.emplace(std::string_view(it->first), &it->second);
}

std::vector<std::string> Router::types() const {
  std::vector<std::string> out;
  out.reserve(specs_.size());
  for (const auto& [type, spec] : specs_) out.push_back(type);
  return out;
}

Router::Outcome Router::route(const Request& request, RequestContext& ctx, ResultSink sink,
                              void* sink_context) const {
  // Every path returns `out` itself (no copy, no move).
  Outcome out;
  const auto fail = [&out](ErrorCode code, std::string message) {
    out.code = code;
    out.message = std::move(message);
  };
  const auto id = request.find("id");
  if (!id || !(id->is_string() || id->is_integer())) {
    if (id && id->is_number()) out.id = *id;  // a float id is echoed with the error
    fail(ErrorCode::bad_request, "a request needs an `id` that is a string or an integer");
    return out;
  }
  out.id = *id;
  const auto type_value = request.find("type");
  if (!type_value || !type_value->is_string()) {
    fail(ErrorCode::bad_request, "a request needs a `type` string");
    return out;
  }
  const std::string_view type = type_value->get_string();
  const auto spec = index_.find(type);
  if (spec == index_.end()) {
    fail(ErrorCode::unknown_type, "unknown message type `" + std::string(type) + "`");
    return out;
  }
  try {
    // The result is made here, where the sink reads it (returned by value: no move).
    Result result = spec->second->handler(request, ctx);
    sink(sink_context, out.id, result);
    out.ok = true;
  } catch (const Error& e) {
    fail(e.code(), e.what());
  } catch (const Json::exception& e) {
    // A handler read a parameter with the wrong JSON type.
    fail(ErrorCode::bad_params, std::string("bad parameter: ") + e.what());
  } catch (const std::exception& e) {
    log::error("handler for `" + std::string(type) + "` failed: " + e.what());
    fail(ErrorCode::internal, std::string("internal error: ") + e.what());
  }
  return out;
}

Router::Reply Router::handle(const Request& request, RequestContext& ctx) const {
  Reply reply;
  Outcome outcome = route(
      request, ctx,
      [](void* context, const Value& /*id*/, Result& result) {
        static_cast<Reply*>(context)->result = std::move(result);
      },
      &reply);
  reply.id = outcome.id;
  reply.ok = outcome.ok;
  reply.code = outcome.code;
  reply.message = std::move(outcome.message);
  return reply;
}

Json Router::dispatch(const Json& request, RequestContext& ctx) const {
  Reply reply = handle(Request(request), ctx);
  if (reply.ok) return make_ok(reply.id.to_json(), std::move(reply.result).to_json());
  return make_error(reply.id.to_json(), reply.code, reply.message);
}

}  // namespace optguard::protocol
