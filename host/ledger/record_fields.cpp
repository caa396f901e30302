#include "ledger/record_fields.hpp"

#include <cstddef>
#include <exception>
#include <nlohmann/json.hpp>

namespace optguard::ledger {
namespace {

using Json = nlohmann::json;

// A SAX consumer: keeps string/bool values of the wanted keys at depth 1, skips the rest.
class FieldsReader final : public nlohmann::json_sax<Json> {
 public:
  RecordFields fields;
  bool top_is_object = false;

  bool null() override { return value_null(); }
  bool boolean(bool v) override {
    if (at_field(Field::new_value)) fields.new_value = v;
    return done_value();
  }
  bool number_integer(number_integer_t /*v*/) override { return done_value(); }
  bool number_unsigned(number_unsigned_t /*v*/) override { return done_value(); }
  bool number_float(number_float_t /*v*/, const string_t& /*s*/) override { return done_value(); }
  bool string(string_t& v) override {
    // One field at a time: `v` is moved at most once.
    if (at_field(Field::type))
      fields.type = std::move(v);
    else if (at_field(Field::site))
      fields.site = std::move(v);
    else if (at_field(Field::key))
      fields.key = std::move(v);
    return done_value();
  }
  bool binary(binary_t& /*v*/) override { return done_value(); }
  bool start_object(std::size_t /*n*/) override {
    if (depth_ == 0) top_is_object = true;
    ++depth_;
    field_ = Field::none;
    return true;
  }
  bool key(string_t& k) override {
    field_ = Field::none;
    if (depth_ != 1) return true;
    if (k == "type") field_ = Field::type;
    if (k == "site") field_ = Field::site;
    if (k == "key") field_ = Field::key;
    if (k == "new") field_ = Field::new_value;
    return true;
  }
  bool end_object() override {
    --depth_;
    field_ = Field::none;
    return true;
  }
  bool start_array(std::size_t /*n*/) override {
    ++depth_;
    field_ = Field::none;
    return true;
  }
  bool end_array() override {
    --depth_;
    field_ = Field::none;
    return true;
  }
  bool parse_error(std::size_t /*pos*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*e*/) override {
    return false;
  }

 private:
  enum class Field { none, type, site, key, new_value };
  int depth_ = 0;
  Field field_ = Field::none;

  [[nodiscard]] bool at_field(Field f) const { return depth_ == 1 && field_ == f; }
  bool value_null() {
    if (at_field(Field::new_value)) fields.new_value.reset();
    return done_value();
  }
  bool done_value() {
    field_ = Field::none;
    return true;
  }
};

}  // namespace

std::optional<RecordFields> read_record_fields(std::string_view payload) {
  FieldsReader reader;
  bool ok = false;
  try {
    ok = Json::sax_parse(payload.begin(), payload.end(), &reader);
  } catch (const std::exception&) {
    ok = false;  // e.g. invalid UTF-8: the payload is malformed, which the caller reports
  }
  if (!ok || !reader.top_is_object) return std::nullopt;
  return std::move(reader.fields);
}

}  // namespace optguard::ledger
