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
#include "protocol/request.hpp"

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
// the `result`. It throws optguard::Error for failures the caller can act on. It reads
// the request through a Request (members straight from the parsed text, params.hpp), or
// takes `const Json&` and gets the request's tree, built for it on demand; it returns a
// Json or a Result (request.hpp).
using Handler = std::function<Result(const Request& request, RequestContext& ctx)>;

struct MessageSpec {
  std::string type;
  std::string summary;  // one line, listed by `hello` and docs
  Handler handler;
};

class Router {
 public:
  // What one request gets: the id to echo and either the result or an error.
  struct Reply {
    Value id;  // null when the request had no id that can be echoed
    bool ok = false;
    Result result;
    ErrorCode code = ErrorCode::internal;
    std::string message;
  };
  // The outcome of route(): the id to echo, and the error when there is one (the result
  // went to the sink).
  struct Outcome {
    Value id;  // null when the request had no id that can be echoed
    bool ok = false;
    ErrorCode code = ErrorCode::internal;
    std::string message;
  };
  // Receives a handler's result where it was made (no copy, no move), with the id to echo.
  // What it throws is the handler's failure (an error reply).
  using ResultSink = void (*)(void* context, const Value& id, Result& result);

  Router() = default;
  // The type index views the keys of specs_: a move keeps the map's nodes, a copy would not.
  Router(Router&&) = default;
  Router& operator=(Router&&) = default;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;
  ~Router() = default;

  // Throws std::logic_error on a duplicate type: registration is a programming step.
  void add(MessageSpec spec);
  // Routes one parsed request object to its handler and hands the result to `sink`. Never
  // throws: a failure is an error outcome (bad_request, unknown_type, the handler's or the
  // sink's Error, bad_params, internal). The id may view the request.
  Outcome route(const Request& request, RequestContext& ctx, ResultSink sink,
                void* sink_context) const;
  // route() with the result kept in the reply. The reply may view the request: write it
  // while the request lives.
  Reply handle(const Request& request, RequestContext& ctx) const;
  // handle() of a request tree, as the reply object (make_ok / make_error).
  Json dispatch(const Json& request, RequestContext& ctx) const;
  std::vector<std::string> types() const;
  const std::map<std::string, MessageSpec, std::less<>>& specs() const { return specs_; }

 private:
  // The spec of `type`, or nullptr.
  const MessageSpec* find(std::string_view type) const;
  void rebuild_index();

  std::map<std::string, MessageSpec, std::less<>> specs_;
  // type -> its spec: an open-addressing table (a power of two, at most half full) with a
  // hash of a few word loads; one probe and one compare per request, no division.
  struct Slot {
    std::string_view type;  // a key of specs_; empty: a free slot
    const MessageSpec* spec = nullptr;
  };
  std::vector<Slot> index_;
};

}  // namespace optguard::protocol
