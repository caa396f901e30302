#include "protocol/request.hpp"

#include <algorithm>
#include <array>

#include "protocol/json_writer.hpp"

namespace optguard::protocol {
namespace {
using simdjson::dom::element_type;

// Writes a DOM object as nlohmann's dump of its tree: keys sorted (nlohmann's object is a
// std::map<std::string>, compared byte by byte like string_view), a repeated key once,
// with its last value.
void write_object(JsonWriter& w, simdjson::dom::object object) {
  struct Field {
    std::string_view key;
    simdjson::dom::element value;
  };
  constexpr std::size_t kInline = 16;
  std::array<Field, kInline> inline_fields{};
  std::vector<Field> heap_fields;
  Field* fields = inline_fields.data();
  std::size_t n = 0;
  if (object.size() <= kInline) {
    for (const auto field : object) {
      if (n == kInline) break;  // size() is exact for any object under 2^24 members
      fields[n++] = Field{field.key, field.value};
    }
  } else {
    for (const auto field : object) heap_fields.push_back(Field{field.key, field.value});
    fields = heap_fields.data();
    n = heap_fields.size();
  }
  std::stable_sort(fields, fields + n,
                   [](const Field& a, const Field& b) { return a.key < b.key; });
  w.raw("{");
  bool first = true;
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 1 < n && fields[i + 1].key == fields[i].key) continue;  // a later value wins
    if (!first) w.raw(",");
    first = false;
    w.string(fields[i].key);
    w.raw(":");
    Value(fields[i].value).write(w);
  }
  w.raw("}");
}

const Json& empty_object() {
  static const Json empty(Json::value_t::object);
  return empty;
}
}  // namespace

Json to_json(simdjson::dom::element e) {
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

// ---- Value ----

bool Value::is_null() const {
  if (is_dom_) return dom_.type() == element_type::NULL_VALUE;
  return json_ == nullptr || json_->is_null();
}

bool Value::is_string() const {
  if (is_dom_) return dom_.type() == element_type::STRING;
  return json_ != nullptr && json_->is_string();
}

bool Value::is_bool() const {
  if (is_dom_) return dom_.type() == element_type::BOOL;
  return json_ != nullptr && json_->is_boolean();
}

bool Value::is_integer() const {
  if (is_dom_) {
    const auto t = dom_.type();
    return t == element_type::INT64 || t == element_type::UINT64;
  }
  return json_ != nullptr && json_->is_number_integer();
}

bool Value::is_number() const {
  if (is_dom_) return is_integer() || dom_.type() == element_type::DOUBLE;
  return json_ != nullptr && json_->is_number();
}

std::string_view Value::get_string() const {
  if (is_dom_) return dom_.get_string().value_unsafe();
  return json_->get_ref<const std::string&>();
}

bool Value::get_bool() const {
  if (is_dom_) return dom_.get_bool().value_unsafe();
  return json_->get<bool>();
}

std::int64_t Value::get_int64() const {
  if (is_dom_) {
    if (dom_.type() == element_type::UINT64)
      return static_cast<std::int64_t>(dom_.get_uint64().value_unsafe());
    return dom_.get_int64().value_unsafe();
  }
  return json_->get<std::int64_t>();
}

Json Value::to_json() const {
  if (is_dom_) return protocol::to_json(dom_);
  return json_ != nullptr ? *json_ : Json(nullptr);
}

void Value::write(JsonWriter& w) const {
  if (!is_dom_) {
    if (json_ != nullptr)
      w.json(*json_);
    else
      w.raw("null");
    return;
  }
  switch (dom_.type()) {
    case element_type::OBJECT:
      write_object(w, dom_.get_object().value_unsafe());
      return;
    case element_type::ARRAY: {
      w.raw("[");
      bool first = true;
      const simdjson::dom::array items = dom_.get_array().value_unsafe();  // a copy: the
      for (const auto item : items) {  // loop must not range over a temporary's member
        if (!first) w.raw(",");
        first = false;
        Value(item).write(w);
      }
      w.raw("]");
      return;
    }
    case element_type::STRING:
      w.string(dom_.get_string().value_unsafe());
      return;
    case element_type::INT64:
      w.integer(dom_.get_int64().value_unsafe());
      return;
    case element_type::UINT64:
      w.integer(dom_.get_uint64().value_unsafe());
      return;
    case element_type::DOUBLE:
      w.number(dom_.get_double().value_unsafe());
      return;
    case element_type::BOOL:
      w.raw(dom_.get_bool().value_unsafe() ? "true" : "false");
      return;
    case element_type::NULL_VALUE:
      break;
  }
  w.raw("null");
}

// ---- Request ----

Request Request::owning(Json tree) {
  Request r;
  r.tree_ = std::move(tree);
  r.mode_ = Mode::owned;
  return r;
}

std::optional<Value> Request::find(std::string_view key) const {
  switch (mode_) {
    case Mode::dom: {
      std::optional<Value> found;
      const simdjson::dom::object fields = dom_.get_object().value_unsafe();
      for (const auto field : fields) {
        if (field.key == key) found = Value(field.value);  // the last one wins
      }
      return found;
    }
    case Mode::borrowed:
    case Mode::owned: {
      const Json& tree = json();
      const auto it = tree.find(key);
      if (it == tree.end()) return std::nullopt;
      return Value(*it);
    }
    case Mode::none:
      break;
  }
  return std::nullopt;
}

const Json& Request::json() const {
  switch (mode_) {
    case Mode::dom:
      if (!tree_) tree_ = protocol::to_json(dom_);
      return *tree_;
    case Mode::borrowed:
      return *borrowed_;
    case Mode::owned:
      return *tree_;
    case Mode::none:
      break;
  }
  return empty_object();
}

Json Request::take_json() && {
  if (mode_ == Mode::borrowed) return *borrowed_;
  if (mode_ == Mode::none) return empty_object();
  (void)json();
  Json out = std::move(*tree_);
  tree_.reset();
  mode_ = Mode::none;
  return out;
}

// ---- Result ----

Result::Member& Result::slot(std::string key) {
  if (!members_mode_) {
    members_mode_ = true;
    tree_ = Json();
  }
  const auto it = std::lower_bound(members_.begin(), members_.end(), key,
                                   [](const Member& m, const std::string& k) { return m.key < k; });
  if (it != members_.end() && it->key == key) return *it;
  return *members_.insert(it, Member{std::move(key), Json()});
}

Result& Result::add(std::string key, Json value) {
  slot(std::move(key)).value = std::move(value);
  return *this;
}

Result& Result::add(std::string key, Value value) {
  slot(std::move(key)).value = value;
  return *this;
}

Json Result::to_json() && {
  if (!members_mode_) return std::move(tree_);
  Json out(Json::value_t::object);
  auto& object = out.get_ref<Json::object_t&>();
  for (auto& m : members_) {
    if (auto* tree = std::get_if<Json>(&m.value))
      object.emplace(std::move(m.key), std::move(*tree));
    else
      object.emplace(std::move(m.key), std::get<Value>(m.value).to_json());
  }
  return out;
}

void Result::write(JsonWriter& w) const {
  if (!members_mode_) {
    w.json(tree_);
    return;
  }
  w.raw("{");
  bool first = true;
  for (const auto& m : members_) {
    if (!first) w.raw(",");
    first = false;
    w.string(m.key);
    w.raw(":");
    if (const auto* tree = std::get_if<Json>(&m.value))
      w.json(*tree);
    else
      std::get<Value>(m.value).write(w);
  }
  w.raw("}");
}

// ---- replies ----

void write_ok(std::string& out, const Value& id, const Result& result) {
  JsonWriter w(out);
  w.raw(R"({"id":)");
  id.write(w);
  w.raw(R"(,"ok":true,"result":)");
  result.write(w);
  w.raw("}");
}

void write_error(std::string& out, const Value& id, ErrorCode code, std::string_view message) {
  JsonWriter w(out);
  w.raw(R"({"error":{"code":)");
  w.string(code_name(code));
  w.raw(R"(,"message":)");
  w.string(message);
  w.raw(R"(},"id":)");
  id.write(w);
  w.raw(R"(,"ok":false})");
}

}  // namespace optguard::protocol
