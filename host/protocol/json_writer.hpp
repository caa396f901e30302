#pragma once
// Writes JSON text straight into a buffer, for the hot messages (ping) that reply
// without building a nlohmann tree. The text is byte for byte what serialize() makes
// of the same value (nlohmann's compact dump: keys sorted, the same escapes), so the
// fast path and the reference path cannot be told apart on the wire; tests compare them.

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

namespace simdjson::dom {
class element;
class object;
}  // namespace simdjson::dom

namespace optguard::protocol {

// Thrown by a fast handler (or the writer) for any input it does not answer exactly as
// the reference path would: the session then answers the request the reference way.
struct FastPathDeclined : std::exception {
  const char* what() const noexcept override { return "fast path declined"; }
};

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}
  void raw(std::string_view text) { out_.append(text); }
  // A JSON string with nlohmann's escapes (\" \\ \b \f \n \r \t, other controls as
  // \u00xx, everything else as is). The input must be valid UTF-8 (simdjson checked it).
  void string(std::string_view text);
  void integer(std::int64_t value);
  void integer(std::uint64_t value);
  // Any parsed value, objects with keys sorted. Declines doubles (nlohmann prints them
  // its own way) and objects with a repeated key (nlohmann keeps only the last).
  void value(const simdjson::dom::element& element);

 private:
  std::string& out_;
};

}  // namespace optguard::protocol
