#include "protocol/envelope.hpp"

namespace optguard::protocol {

int nesting_depth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
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
  } catch (const Json::parse_error& e) {
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
