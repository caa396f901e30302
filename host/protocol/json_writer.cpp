#include "protocol/json_writer.hpp"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cmath>

#include "protocol/scan.hpp"

namespace optguard::protocol {

void JsonWriter::string(std::string_view text) {
  const std::size_t start = out_.size();
  out_.push_back('"');
  const char* p = text.data();
  const char* const end = p + text.size();
  bool checked = false;  // [p, end) is known to be valid UTF-8
  while (p < end) {
    // The run of bytes that need no escape goes out in one append; the first pass also
    // stops at the first byte that is not ASCII.
    const char* run = p;
    p = checked ? scan::to_escape(p, end) : scan::to_special<true, true>(p, end);
    out_.append(run, static_cast<std::size_t>(p - run));
    if (p == end) break;
    if (static_cast<unsigned char>(*p) >= 0x80) {
      // Only ASCII before p, so a character starts here: check the rest once.
      if (!simdjson::validate_utf8(p, static_cast<std::size_t>(end - p))) {
        // Rare (a handler let bad bytes through): nlohmann's own replacement, exactly.
        out_.resize(start);
        out_.append(
            nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return;
      }
      checked = true;
      continue;
    }
    const auto c = static_cast<unsigned char>(*p++);
    switch (c) {
      case '"':
        out_.append("\\\"");
        break;
      case '\\':
        out_.append("\\\\");
        break;
      case '\b':
        out_.append("\\b");
        break;
      case '\f':
        out_.append("\\f");
        break;
      case '\n':
        out_.append("\\n");
        break;
      case '\r':
        out_.append("\\r");
        break;
      case '\t':
        out_.append("\\t");
        break;
      default: {
        static constexpr std::string_view kHex = "0123456789abcdef";
        const std::array<char, 6> u{'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out_.append(u.data(), u.size());
        break;
      }
    }
  }
  out_.push_back('"');
}

void JsonWriter::integer(std::int64_t value) {
  std::array<char, 24> b{};
  const auto r = std::to_chars(b.data(), b.data() + b.size(), value);
  out_.append(b.data(), r.ptr);
}

void JsonWriter::integer(std::uint64_t value) {
  std::array<char, 24> b{};
  const auto r = std::to_chars(b.data(), b.data() + b.size(), value);
  out_.append(b.data(), r.ptr);
}

void JsonWriter::number(double value) {
  // What nlohmann's serializer prints: its own Grisu2 form, null for NaN and infinities.
  if (!std::isfinite(value)) {
    out_.append("null");
    return;
  }
  std::array<char, 64> b{};  // the size of the serializer's number buffer
  char* end = nlohmann::detail::to_chars(b.data(), b.data() + b.size(), value);
  out_.append(b.data(), static_cast<std::size_t>(end - b.data()));
}

void JsonWriter::json(const nlohmann::json& value) {
  using Type = nlohmann::json::value_t;
  switch (value.type()) {
    case Type::object: {
      out_.push_back('{');
      bool first = true;
      // nlohmann's object_t is a std::map: iteration is the sorted order dump() uses.
      for (const auto& [key, member] : value.get_ref<const nlohmann::json::object_t&>()) {
        if (!first) out_.push_back(',');
        first = false;
        string(key);
        out_.push_back(':');
        json(member);
      }
      out_.push_back('}');
      return;
    }
    case Type::array: {
      out_.push_back('[');
      bool first = true;
      for (const auto& item : value.get_ref<const nlohmann::json::array_t&>()) {
        if (!first) out_.push_back(',');
        first = false;
        json(item);
      }
      out_.push_back(']');
      return;
    }
    case Type::string:
      string(value.get_ref<const std::string&>());
      return;
    case Type::boolean:
      out_.append(value.get<bool>() ? "true" : "false");
      return;
    case Type::null:
      out_.append("null");
      return;
    case Type::number_integer:
      integer(value.get<std::int64_t>());
      return;
    case Type::number_unsigned:
      integer(value.get<std::uint64_t>());
      return;
    case Type::number_float:
      number(value.get<double>());
      return;
    case Type::binary:
    case Type::discarded:
      break;
  }
  out_.append(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace optguard::protocol
