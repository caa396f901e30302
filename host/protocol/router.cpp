#include "protocol/router.hpp"

#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "common/log.hpp"

namespace optguard::protocol {

namespace {
template <typename Word>
Word load(const char* p) {
  Word w = 0;
  std::memcpy(&w, p, sizeof w);  // one load of a fixed size (a variable-size copy to the
  return w;                      // stack and a load of it would stall store forwarding)
}

// A hash of a message type: its length and its first and last 8 bytes (types are short
// names; a collision costs one more compare).
std::uint64_t type_hash(std::string_view type) {
  const std::size_t n = type.size();
  const char* p = type.data();
  std::uint64_t h = 0;
  if (n >= 8) {
    h = load<std::uint64_t>(p) ^ load<std::uint64_t>(p + n - 8) * 0xC2B2AE3D27D4EB4FULL;
  } else if (n >= 4) {
    h = load<std::uint32_t>(p) | std::uint64_t{load<std::uint32_t>(p + n - 4)} << 32;
  } else {
    for (std::size_t i = 0; i < n; ++i) h = h << 8 | static_cast<unsigned char>(p[i]);
  }
  h = (h ^ n) * 0x9E3779B97F4A7C15ULL;
  return h ^ (h >> 32);
}

bool same_type(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {  // short: in place, not a call to memcmp
    if (a[i] != b[i]) return false;
  }
  return true;
}
}  // namespace

void Router::add(MessageSpec spec) {
  if (spec.type.empty() || !spec.handler)
    throw std::logic_error("a message needs a type and a handler");
  const std::string type = spec.type;
  const auto [it, added] = specs_.emplace(type, std::move(spec));
  if (!added) throw std::logic_error("message type registered twice: " + type);
  rebuild_index();
}

void Router::rebuild_index() {
  std::size_t size = 8;
  while (size < 2 * specs_.size()) size *= 2;
  index_.assign(size, Slot{});
  for (const auto& [type, spec] : specs_) {
    std::size_t i = type_hash(type) & (size - 1);
    while (index_[i].spec != nullptr) i = (i + 1) & (size - 1);
    index_[i] = Slot{std::string_view(type), &spec};
  }
}

const MessageSpec* Router::find(std::string_view type) const {
  if (index_.empty()) return nullptr;
  const std::size_t mask = index_.size() - 1;
  for (std::size_t i = type_hash(type) & mask;; i = (i + 1) & mask) {
    const Slot& slot = index_[i];
    if (slot.spec == nullptr) return nullptr;  // at most half full: a free slot ends the probe
    if (same_type(slot.type, type)) return slot.spec;
  }
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
  const MessageSpec* const spec = find(type);
  if (spec == nullptr) {
    fail(ErrorCode::unknown_type, "unknown message type `" + std::string(type) + "`");
    return out;
  }
  try {
    // The result is made here, where the sink reads it (returned by value: no move).
    Result result = spec->handler(request, ctx);
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
