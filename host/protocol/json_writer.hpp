#pragma once
// Writes JSON text straight into a buffer: every reply and event the host sends. The text
// is byte for byte what nlohmann's compact dump with error_handler_t::replace makes of the
// same value (keys sorted, the same escapes, invalid UTF-8 replaced), but without its
// per-byte output adapter: runs of plain bytes go out in one append. Tests compare the two.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace optguard::protocol {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}
  void raw(std::string_view text) { out_.append(text); }
  // A JSON string with nlohmann's escapes (\" \\ \b \f \n \r \t, other controls as
  // \u00xx, everything else as is). Invalid UTF-8 is replaced as nlohmann's dump does.
  void string(std::string_view text);
  void integer(std::int64_t value);
  void integer(std::uint64_t value);
  // A double as nlohmann prints it (its Grisu2 form: "0.5", "1e+20"); null for NaN and
  // infinities.
  void number(double value);
  // Any value: objects in their (sorted) key order, numbers as nlohmann prints them.
  void json(const nlohmann::json& value);

 private:
  std::string& out_;
};

}  // namespace optguard::protocol
