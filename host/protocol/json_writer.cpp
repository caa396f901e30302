#include "protocol/json_writer.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "protocol/scan.hpp"

namespace optguard::protocol {

void JsonWriter::grow(std::size_t n) {
  // At least double what this writer has written: the bytes zeroed by resize() stay in
  // proportion to the text.
  const std::size_t used = written_end();
  const std::size_t spare = std::max({n, std::size_t{256}, used - start_});
  out_.resize(used + spare);
  cur_ = out_.data() + used;
  end_ = out_.data() + out_.size();
}

void JsonWriter::string(std::string_view text) {
  const char* const begin = text.data();
  const std::size_t n = text.size();
  if (scan::to_special<true, true>(begin, begin + n) == begin + n) {
    // The usual string (ASCII, nothing to escape) goes out in one copy.
    char* out = room(n + 2);
    *out = '"';
    copy(out + 1, begin, n);
    out[n + 1] = '"';
    cur_ = out + n + 2;
    return;
  }
  escaped_string(text);
}

void JsonWriter::escaped_string(std::string_view text) {
  const std::size_t start = written_end();
  put('"');
  const char* p = text.data();
  const char* const end = p + text.size();
  bool checked = false;  // [p, end) is known to be valid UTF-8
  while (p < end) {
    // The run of bytes that need no escape goes out in one append; the first pass also
    // stops at the first byte that is not ASCII.
    const char* run = p;
    p = checked ? scan::to_escape(p, end) : scan::to_special<true, true>(p, end);
    raw(std::string_view(run, static_cast<std::size_t>(p - run)));
    if (p == end) break;
    if (static_cast<unsigned char>(*p) >= 0x80) {
      // Only ASCII before p, so a character starts here: check the rest once.
      if (!simdjson::validate_utf8(p, static_cast<std::size_t>(end - p))) {
        // Rare (a handler let bad bytes through): nlohmann's own replacement, exactly.
        truncate(start);
        raw(nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return;
      }
      checked = true;
      continue;
    }
    const auto c = static_cast<unsigned char>(*p++);
    switch (c) {
      case '"':
        raw("\\\"");
        break;
      case '\\':
        raw("\\\\");
        break;
      case '\b':
        raw("\\b");
        break;
      case '\f':
        raw("\\f");
        break;
      case '\n':
        raw("\\n");
        break;
      case '\r':
        raw("\\r");
        break;
      case '\t':
        raw("\\t");
        break;
      default: {
        static constexpr std::string_view kHex = "0123456789abcdef";
        const std::array<char, 6> u{'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        raw(std::string_view(u.data(), u.size()));
        break;
      }
    }
  }
  put('"');
}

// Digits go straight to the output: printed to a stack buffer a byte at a time, then copied
// with wider loads, they stalled on store forwarding (~7 % of a small reply's host time).
namespace {
// The longest 64-bit integers: "-9223372036854775808", "18446744073709551615".
constexpr std::size_t kIntegerRoom = 20;
// nlohmann's serializer's own number buffer.
constexpr std::size_t kNumberRoom = 64;
}  // namespace

void JsonWriter::integer(std::int64_t value) {
  char* const p = room(kIntegerRoom);
  cur_ = std::to_chars(p, p + kIntegerRoom, value).ptr;
}

void JsonWriter::integer(std::uint64_t value) {
  char* const p = room(kIntegerRoom);
  cur_ = std::to_chars(p, p + kIntegerRoom, value).ptr;
}

void JsonWriter::number(double value) {
  // What nlohmann's serializer prints: its own Grisu2 form, null for NaN and infinities.
  if (!std::isfinite(value)) {
    raw("null");
    return;
  }
  // Straight into the output, as integer().
  char* const p = room(kNumberRoom);
  cur_ = nlohmann::detail::to_chars(p, p + kNumberRoom, value);
}

void JsonWriter::json(const nlohmann::json& value) {
  using Type = nlohmann::json::value_t;
  switch (value.type()) {
    case Type::object: {
      put('{');
      bool first = true;
      // nlohmann's object_t is a std::map: iteration is the sorted order dump() uses.
      for (const auto& [key, member] : value.get_ref<const nlohmann::json::object_t&>()) {
        if (!first) put(',');
        first = false;
        string(key);
        put(':');
        json(member);
      }
      put('}');
      return;
    }
    case Type::array: {
      put('[');
      bool first = true;
      for (const auto& item : value.get_ref<const nlohmann::json::array_t&>()) {
        if (!first) put(',');
        first = false;
        json(item);
      }
      put(']');
      return;
    }
    case Type::string:
      string(value.get_ref<const std::string&>());
      return;
    case Type::boolean:
      raw(value.get<bool>() ? "true" : "false");
      return;
    case Type::null:
      raw("null");
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
  raw(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace optguard::protocol
