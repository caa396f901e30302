#pragma once
// The message envelope (DESIGN.md "Protocol"):
//   request  {"id": …, "type": "…", …params}
//   reply    {"id": …, "ok": true, "result": …} | {"id": …, "ok": false, "error": {"code",
//   "message"}} event    {"event": "…", …}  (host -> browser, unsolicited)

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/errors.hpp"
#include "protocol/limits.hpp"

namespace optguard::protocol {

using Json = nlohmann::json;
class Request;  // protocol/request.hpp

// Readable bytes a padded body must have past its end (the parser reads a little beyond).
inline constexpr std::size_t kParsePadding = 64;

// Parses frame bodies into JSON objects, once each: simdjson reads the text (SIMD, checks
// UTF-8 and the nesting limit) and handlers read its DOM through a Request (a nlohmann
// tree is built only for a handler that asks for one). Same results as
// nlohmann::json::parse: a repeated key keeps the last value, integers beyond 64 bits
// become doubles, a number beyond a double (1e400) is bad_json, a UTF-8 BOM is skipped.
// Keeps its buffers from one message to the next.
class MessageParser {
 public:
  explicit MessageParser(const Limits& limits);
  ~MessageParser();
  MessageParser(const MessageParser&) = delete;
  MessageParser& operator=(const MessageParser&) = delete;

  // Throws Error with empty_frame, too_deep, bad_json (invalid JSON or invalid UTF-8
  // inside a string) or not_an_object. `body` must be followed by kParsePadding
  // readable bytes. The Request views this parser's buffers until its next parse.
  Request parse_request(std::string_view body);
  // The same as a nlohmann tree.
  Json parse_padded(std::string_view body);
  // The same for any body (copied to a padded buffer first).
  Json parse(std::string_view body);
  // How many bodies went to nlohmann's parser (over the simdjson size, or refused by
  // simdjson): tests check that a plain request never does.
  std::size_t nlohmann_parses() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One body with a parser of its own (tests, one-off callers).
Json parse_message(std::string_view body, const Limits& limits);

// Deepest nesting of arrays/objects in a JSON text, counted without parsing; stops
// counting once past `limit` and returns limit + 1.
int nesting_depth(std::string_view text, int limit);

Json make_ok(const Json& id, Json result);
Json make_error(const Json& id, ErrorCode code, std::string_view message);

// Serialises a message (nlohmann's compact dump, keys sorted). Strings are always valid
// UTF-8 on the wire (bad bytes that a handler let through are replaced, not sent).
std::string serialize(const Json& message);

}  // namespace optguard::protocol
