#pragma once
// The message router: one table of handlers keyed by `type`. Exactly one reply per
// request, also for unknown types and bad params.
//
// Adding a message is one handler plus one `add` line in host/app/messages_*.cpp.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/envelope.hpp"
#include "protocol/json_writer.hpp"

namespace optguard::protocol {

// Who is on the other end, as the browser named it when it started the host.
struct Caller {
  std::string browser;   // "chromium" (Chrome, Edge, Brave, …), "firefox", or "cli"
  std::string origin;    // chrome-extension://ID/ for Chromium, the add-on id for Firefox
  std::string manifest;  // Firefox passes the path of the host manifest it used
};

// Unsolicited host -> browser messages ({"event": …}); a no-op where nobody listens.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void emit(const Json& event) = 0;
};

struct RequestContext {
  const Caller& caller;
  EventSink* events = nullptr;
};

// A handler gets the whole request object (params sit beside id and type) and returns
// the `result`. It throws optguard::Error for failures the caller can act on.
using Handler = std::function<Json(const Json& request, RequestContext& ctx)>;

struct MessageSpec {
  std::string type;
  std::string summary;  // one line, listed by `hello` and docs
  Handler handler;
};

// Optional second handler for a hot message: it reads the request as simdjson parsed it
// and writes the `result` value straight into the reply text. The session uses it only
// for a well-formed request (valid JSON object, integer or string id, string type, no
// repeated top-level key); anything the fast handler cannot answer exactly like the
// MessageSpec handler it throws FastPathDeclined (or any exception) for, and the request
// is answered the reference way. Unit tests and the fuzzer compare the two paths.
using FastHandler =
    std::function<void(const simdjson::dom::object& request, JsonWriter& result, RequestContext&)>;

class Router {
 public:
  // Throws std::logic_error on a duplicate type: registration is a programming step.
  void add(MessageSpec spec);
  // Adds the fast handler of a type already added (std::logic_error otherwise).
  void add_fast(const std::string& type, FastHandler handler);
  // The fast handler of `type`, or nullptr.
  const FastHandler* fast_handler(std::string_view type) const;
  // Returns the reply for one parsed request object. Never throws.
  Json dispatch(const Json& request, RequestContext& ctx) const;
  std::vector<std::string> types() const;
  const std::map<std::string, MessageSpec, std::less<>>& specs() const { return specs_; }

 private:
  std::map<std::string, MessageSpec, std::less<>> specs_;
  std::map<std::string, FastHandler, std::less<>> fast_;
};

}  // namespace optguard::protocol
