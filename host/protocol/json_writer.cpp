#include "protocol/json_writer.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <utility>
#include <vector>

#include "protocol/scan.hpp"

// GCC 12 at -O3 takes simdjson's tape reads (dom::array::end) for possible null
// dereferences; the tape exists for every element of a parsed document.
#pragma GCC diagnostic ignored "-Wnull-dereference"

namespace optguard::protocol {

void JsonWriter::string(std::string_view text) {
  out_.push_back('"');
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    // The run of bytes that need no escape goes out in one append.
    const char* run = p;
    p = scan::to_escape(p, end);
    out_.append(run, static_cast<std::size_t>(p - run));
    if (p == end) break;
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

void JsonWriter::value(const simdjson::dom::element& element) {
  using simdjson::dom::element_type;
  switch (element.type()) {
    case element_type::STRING:
      string(element.get_string().value_unsafe());
      return;
    case element_type::INT64:
      integer(element.get_int64().value_unsafe());
      return;
    case element_type::UINT64:
      integer(element.get_uint64().value_unsafe());
      return;
    case element_type::BOOL:
      out_.append(element.get_bool().value_unsafe() ? "true" : "false");
      return;
    case element_type::NULL_VALUE:
      out_.append("null");
      return;
    case element_type::DOUBLE:
      throw FastPathDeclined();
    case element_type::ARRAY: {
      out_.push_back('[');
      bool first = true;
      const simdjson::dom::array items = element.get_array().value_unsafe();
      for (const simdjson::dom::element item : items) {
        if (!first) out_.push_back(',');
        first = false;
        value(item);
      }
      out_.push_back(']');
      return;
    }
    case element_type::OBJECT: {
      // nlohmann keeps object members in a std::map: sorted by key, byte-wise.
      std::vector<std::pair<std::string_view, simdjson::dom::element>> members;
      const simdjson::dom::object fields = element.get_object().value_unsafe();
      for (const auto field : fields) {
        members.emplace_back(field.key, field.value);
      }
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out_.push_back('{');
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i > 0) {
          if (members[i].first == members[i - 1].first) throw FastPathDeclined();
          out_.push_back(',');
        }
        string(members[i].first);
        out_.push_back(':');
        value(members[i].second);
      }
      out_.push_back('}');
      return;
    }
  }
  throw FastPathDeclined();
}

}  // namespace optguard::protocol
