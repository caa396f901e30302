#include "protocol/envelope.hpp"

#include "protocol/scan.hpp"

namespace optguard::protocol {

int nesting_depth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    switch (*p++) {
      case '"':
        // Skip the string (16 bytes at a time where nothing happens), stepping over escapes.
        for (;;) {
          p = scan::to_quote_or_backslash(p, end);
          if (p >= end) return deepest;  // unterminated: the parser will say so
          if (*p == '\\') {
            p += 2;  // the escaped byte, whatever it is
            continue;
          }
          ++p;  // the closing quote
          break;
        }
        break;
      case '[':
      case '{':
        if (++depth > deepest) {
          deepest = depth;
          if (deepest > limit) return limit + 1;
        }
        break;
      case ']':
      case '}':
        --depth;
        break;
      default:
        break;
    }
  }
  return deepest;
}

Json parse_message(std::string_view body, const Limits& limits) {
  if (body.empty())
    throw Error(ErrorCode::empty_frame, "the frame has length 0: expected a JSON object");
  // Refuse deep nesting before the parser sees it: bounded work and memory per frame.
  if (nesting_depth(body, limits.max_depth) > limits.max_depth) {
    throw Error(ErrorCode::too_deep,
                "the message nests deeper than " + std::to_string(limits.max_depth) + " levels");
  }
  Json value;
  try {
    // nlohmann's lexer rejects ill-formed UTF-8 and lone surrogates inside strings.
    value = Json::parse(body);
  } catch (const Json::exception& e) {
    // parse_error, and out_of_range for a number too large for a double (1e400).
    throw Error(ErrorCode::bad_json, std::string("not valid JSON: ") + e.what());
  }
  if (!value.is_object()) {
    throw Error(ErrorCode::not_an_object,
                std::string("a message must be a JSON object, got ") + value.type_name());
  }
  return value;
}

Json make_ok(const Json& id, Json result) {
  return Json{{"id", id}, {"ok", true}, {"result", std::move(result)}};
}

Json make_error(const Json& id, ErrorCode code, std::string_view message) {
  return Json{
      {"id", id},
      {"ok", false},
      {"error", {{"code", std::string(code_name(code))}, {"message", std::string(message)}}}};
}

std::string serialize(const Json& message) {
  return message.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace optguard::protocol
