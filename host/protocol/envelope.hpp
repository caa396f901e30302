#pragma once
// The message envelope (DESIGN.md "Protocol"):
//   request  {"id": …, "type": "…", …params}
//   reply    {"id": …, "ok": true, "result": …} | {"id": …, "ok": false, "error": {"code",
//   "message"}} event    {"event": "…", …}  (host -> browser, unsolicited)

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/errors.hpp"
#include "protocol/limits.hpp"

namespace optguard::protocol {

using Json = nlohmann::json;

// Parses one frame body into a JSON object. Throws Error with empty_frame, too_deep,
// bad_json (invalid JSON or invalid UTF-8 inside a string) or not_an_object.
Json parse_message(std::string_view body, const Limits& limits);

// Deepest nesting of arrays/objects in a JSON text, counted without parsing; stops
// counting once past `limit` and returns limit + 1.
int nesting_depth(std::string_view text, int limit);

Json make_ok(const Json& id, Json result);
Json make_error(const Json& id, ErrorCode code, std::string_view message);

// Serialises a reply. Strings are always valid UTF-8 on the wire (bad bytes that a
// handler let through are replaced, not sent).
std::string serialize(const Json& message);

}  // namespace optguard::protocol
