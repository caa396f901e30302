#include "protocol/envelope.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>

#include "protocol/json_writer.hpp"
#include "protocol/scan.hpp"

namespace optguard::protocol {
namespace {
static_assert(kParsePadding >= simdjson::SIMDJSON_PADDING);

// Bodies up to this size are parsed by simdjson, whose buffers cost about 14 bytes per
// input byte; a larger one (a whole filter list in lists_update) by nlohmann's parser,
// which needs no more than the tree. Either way a body is parsed once.
constexpr std::size_t kSimdjsonMaxBytes = std::size_t{1} * 1024 * 1024;
// The simdjson buffers kept between messages.
constexpr std::size_t kKeptCapacity = 64 * 1024;

// The tree nlohmann's parser would build, from simdjson's DOM.
Json to_json(const simdjson::dom::element& e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::OBJECT: {
      Json out(Json::value_t::object);
      auto& members = out.get_ref<Json::object_t&>();
      const simdjson::dom::object fields = e.get_object().value_unsafe();
      for (const auto field : fields) {
        // A repeated key: the last value wins, as with nlohmann's parser.
        members.insert_or_assign(std::string(field.key), to_json(field.value));
      }
      return out;
    }
    case element_type::ARRAY: {
      Json out(Json::value_t::array);
      auto& items = out.get_ref<Json::array_t&>();
      const simdjson::dom::array elements = e.get_array().value_unsafe();
      for (const auto item : elements) items.push_back(to_json(item));
      return out;
    }
    case element_type::STRING:
      return Json(std::string(e.get_string().value_unsafe()));
    case element_type::INT64: {
      // nlohmann keeps a number without a sign as unsigned.
      const std::int64_t v = e.get_int64().value_unsafe();
      return v >= 0 ? Json(static_cast<std::uint64_t>(v)) : Json(v);
    }
    case element_type::UINT64:
      return Json(e.get_uint64().value_unsafe());
    case element_type::DOUBLE:
      return Json(e.get_double().value_unsafe());
    case element_type::BOOL:
      return Json(e.get_bool().value_unsafe());
    case element_type::NULL_VALUE:
      break;
  }
  return Json(nullptr);
}

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
  // Depth is checked by nesting_depth() before simdjson runs; its own bound (which counts
  // the root its own way) only sizes its stack.
  // A failed allocation is retried by the first parse (which then fails over to nlohmann).
  [[maybe_unused]] const auto error =
      impl_->parser.allocate(4096, static_cast<std::size_t>(std::max(limits.max_depth, 0)) + 2);
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
  const Limits& limits = impl_->limits;
  if (body.empty())
    throw Error(ErrorCode::empty_frame, "the frame has length 0: expected a JSON object");
  // Refuse deep nesting before any parser sees it: bounded work and memory per frame.
  if (nesting_depth(body, limits.max_depth) > limits.max_depth) {
    throw Error(ErrorCode::too_deep,
                "the message nests deeper than " + std::to_string(limits.max_depth) + " levels");
  }
  if (body.size() > kSimdjsonMaxBytes) {
    ++impl_->nlohmann_parses;
    return parse_with_nlohmann(body);
  }

  simdjson::dom::parser& parser = impl_->parser;
  simdjson::dom::element root;
  // A body larger than the buffers kept grows them; that memory is given back after it.
  struct Shrink {
    simdjson::dom::parser& parser;
    ~Shrink() {
      if (parser.capacity() > kKeptCapacity) {
        [[maybe_unused]] const auto error = parser.allocate(kKeptCapacity, parser.max_depth());
      }
    }
  } shrink{parser};
  if (parser.parse(body.data(), body.size(), false).get(root) != simdjson::SUCCESS) {
    ++impl_->nlohmann_parses;
    return parse_with_nlohmann(body);
  }
  if (root.type() != simdjson::dom::element_type::OBJECT) not_an_object(type_name(root.type()));
  return to_json(root);
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

void write_ok(std::string& out, const Json& id, const Json& result) {
  JsonWriter w(out);
  w.raw(R"({"id":)");
  w.json(id);
  w.raw(R"(,"ok":true,"result":)");
  w.json(result);
  w.raw("}");
}

void write_error(std::string& out, const Json& id, ErrorCode code, std::string_view message) {
  JsonWriter w(out);
  w.raw(R"({"error":{"code":)");
  w.string(code_name(code));
  w.raw(R"(,"message":)");
  w.string(message);
  w.raw(R"(},"id":)");
  w.json(id);
  w.raw(R"(,"ok":false})");
}

std::string serialize(const Json& message) {
  std::string out;
  JsonWriter(out).json(message);
  return out;
}

}  // namespace optguard::protocol
