#include "protocol/envelope.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>

#include "protocol/json_writer.hpp"
#include "protocol/request.hpp"
#include "protocol/scan.hpp"

namespace optguard::protocol {
namespace {
static_assert(kParsePadding >= simdjson::SIMDJSON_PADDING);

// Bodies up to this size are parsed by simdjson, whose buffers cost about 14 bytes per
// input byte; a larger one (a whole filter list in lists_update) by nlohmann's parser,
// which needs no more than the tree. Either way a body is parsed once.
constexpr std::size_t kSimdjsonMaxBytes = std::size_t{1} * 1024 * 1024;
// The simdjson buffers kept between messages.
constexpr std::size_t kKeptCapacity = std::size_t{64} * 1024;

const char* type_name(simdjson::dom::element_type t) {
  using simdjson::dom::element_type;
  switch (t) {
    case element_type::ARRAY:
      return "array";
    case element_type::OBJECT:
      return "object";
    case element_type::STRING:
      return "string";
    case element_type::BOOL:
      return "boolean";
    case element_type::NULL_VALUE:
      return "null";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      break;
  }
  return "number";
}

// Whether a container nests deeper than `limit` (the root at depth 1). simdjson, given
// limit + 1 as its bound, refuses anything deeper than limit + 1 and also a container at
// limit + 1 that holds a value; an empty one there it lets through, which this finds.
// One pass over the words of simdjson's tape (its documented layout, simdjson's
// doc/tape.md: word 0 is the root and says where the tape ends; a number takes two words,
// every other value and each container's start and end one), not a walk of the tree.
bool deeper_than(const simdjson::dom::document& doc, int limit) {
  const std::uint64_t* tape = doc.tape.get();
  const auto end = static_cast<std::size_t>(tape[0] & simdjson::internal::JSON_VALUE_MASK);
  // Containers nested limit + 1 deep take two words each (start and end) after word 0: a
  // shorter tape cannot hold them, and the walk is skipped (a small message's usual case).
  if (limit >= 0 && end < 2 * (static_cast<std::size_t>(limit) + 1) + 1) return false;
  int depth = 0;
  for (std::size_t i = 1; i < end; ++i) {
    switch (static_cast<char>(tape[i] >> 56)) {
      case '{':
      case '[':
        if (++depth > limit) return true;
        break;
      case '}':
      case ']':
        --depth;
        break;
      case 'l':
      case 'u':
      case 'd':
        ++i;  // the number's own word
        break;
      default:
        break;
    }
  }
  return false;
}

[[noreturn]] void too_deep(int limit) {
  throw Error(ErrorCode::too_deep,
              "the message nests deeper than " + std::to_string(limit) + " levels");
}

[[noreturn]] void not_an_object(const char* type) {
  throw Error(ErrorCode::not_an_object,
              std::string("a message must be a JSON object, got ") + type);
}

// nlohmann's parser: the judge of every text simdjson refuses (integers beyond 64 bits and
// a BOM are valid to it; everything else it refuses too, and its message says where).
Json parse_with_nlohmann(std::string_view body) {
  Json value;
  try {
    // nlohmann's lexer rejects ill-formed UTF-8 and lone surrogates inside strings.
    value = Json::parse(body);
  } catch (const Json::exception& e) {
    // parse_error, and out_of_range for a number too large for a double (1e400).
    throw Error(ErrorCode::bad_json, std::string("not valid JSON: ") + e.what());
  }
  if (!value.is_object()) not_an_object(value.type_name());
  return value;
}
}  // namespace

struct MessageParser::Impl {
  Limits limits;
  simdjson::dom::parser parser;
  std::string scratch;  // a padded copy of a body handed to parse()
  std::size_t nlohmann_parses = 0;
};

MessageParser::MessageParser(const Limits& limits) : impl_(std::make_unique<Impl>()) {
  impl_->limits = limits;
  // simdjson checks the depth as it parses (see deeper_than for its one gap); a text it
  // refuses for any reason is measured by nesting_depth() before nlohmann's parser runs.
  // A failed allocation is retried by the first parse (which then fails over to nlohmann).
  [[maybe_unused]] const auto error =
      impl_->parser.allocate(4096, static_cast<std::size_t>(std::max(limits.max_depth, 0)) + 1);
}

MessageParser::~MessageParser() = default;

std::size_t MessageParser::nlohmann_parses() const {
  return impl_->nlohmann_parses;
}

Json MessageParser::parse(std::string_view body) {
  std::string& padded = impl_->scratch;
  padded.assign(body);
  padded.resize(body.size() + kParsePadding);
  return parse_padded(std::string_view(padded.data(), body.size()));
}

Json MessageParser::parse_padded(std::string_view body) {
  return parse_request(body).take_json();
}

Request MessageParser::parse_request(std::string_view body) {
  const Limits& limits = impl_->limits;
  if (body.empty())
    throw Error(ErrorCode::empty_frame, "the frame has length 0: expected a JSON object");
  // Refuses deep nesting before nlohmann's parser sees it: bounded work and memory.
  const auto with_nlohmann = [&] {
    if (nesting_depth(body, limits.max_depth) > limits.max_depth) too_deep(limits.max_depth);
    ++impl_->nlohmann_parses;
    return Request::owning(parse_with_nlohmann(body));
  };
  if (body.size() > kSimdjsonMaxBytes) return with_nlohmann();

  simdjson::dom::parser& parser = impl_->parser;
  simdjson::dom::element root;
  // A body larger than the buffers kept grows them; that memory is given back after it
  // (by the next parse: the Request returned views these buffers).
  if (parser.capacity() > kKeptCapacity && body.size() <= kKeptCapacity) {
    [[maybe_unused]] const auto error = parser.allocate(kKeptCapacity, parser.max_depth());
  }
  if (parser.parse(body.data(), body.size(), false).get(root) != simdjson::SUCCESS)
    return with_nlohmann();
  if (deeper_than(parser.doc, limits.max_depth)) too_deep(limits.max_depth);
  if (root.type() != simdjson::dom::element_type::OBJECT) not_an_object(type_name(root.type()));
  return Request(root);
}

Json parse_message(std::string_view body, const Limits& limits) {
  MessageParser parser(limits);
  return parser.parse(body);
}

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
  std::string out;
  JsonWriter(out).json(message);
  return out;
}

}  // namespace optguard::protocol
