#include "protocol/router.hpp"

#include <stdexcept>

#include "common/log.hpp"

namespace optguard::protocol {

void Router::add(MessageSpec spec) {
  if (spec.type.empty() || !spec.handler)
    throw std::logic_error("a message needs a type and a handler");
  const std::string type = spec.type;
  if (!specs_.emplace(type, std::move(spec)).second) {
    throw std::logic_error("message type registered twice: " + type);
  }
}

void Router::add_fast(const std::string& type, FastHandler handler) {
  if (!handler || !specs_.contains(type))
    throw std::logic_error("a fast handler needs a handler and a message added first: " + type);
  if (!fast_.emplace(type, std::move(handler)).second)
    throw std::logic_error("fast handler registered twice: " + type);
}

const FastHandler* Router::fast_handler(std::string_view type) const {
  const auto it = fast_.find(type);
  return it == fast_.end() ? nullptr : &it->second;
}

std::vector<std::string> Router::types() const {
  std::vector<std::string> out;
  out.reserve(specs_.size());
  for (const auto& [type, spec] : specs_) out.push_back(type);
  return out;
}

Json Router::dispatch(const Json& request, RequestContext& ctx) const {
  const auto id_it = request.find("id");
  const Json id = id_it == request.end() ? Json(nullptr) : *id_it;
  if (id_it == request.end() ||
      !(id.is_string() || id.is_number_integer() || id.is_number_unsigned())) {
    return make_error(
        id_it != request.end() && (id.is_string() || id.is_number()) ? id : Json(nullptr),
        ErrorCode::bad_request, "a request needs an `id` that is a string or an integer");
  }
  const auto type_it = request.find("type");
  if (type_it == request.end() || !type_it->is_string()) {
    return make_error(id, ErrorCode::bad_request, "a request needs a `type` string");
  }
  const auto& type = type_it->get_ref<const std::string&>();
  const auto spec = specs_.find(type);
  if (spec == specs_.end()) {
    return make_error(id, ErrorCode::unknown_type, "unknown message type `" + type + "`");
  }
  try {
    return make_ok(id, spec->second.handler(request, ctx));
  } catch (const Error& e) {
    return make_error(id, e.code(), e.what());
  } catch (const Json::exception& e) {
    // A handler read a parameter with the wrong JSON type.
    return make_error(id, ErrorCode::bad_params, std::string("bad parameter: ") + e.what());
  } catch (const std::exception& e) {
    log::error("handler for `" + type + "` failed: " + e.what());
    return make_error(id, ErrorCode::internal, std::string("internal error: ") + e.what());
  }
}

}  // namespace optguard::protocol
