// GCC at -O3 reports simdjson's inlined tape reads here as possible null dereferences (a
// Value may hold a default element; it reads one only after a parse made it): a false
// positive, silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wnull-dereference"
#endif
#include "protocol/request.hpp"

#include <algorithm>
#include <array>

#include "protocol/json_writer.hpp"

namespace optguard::protocol {
namespace {
using simdjson::dom::element_type;

// Keys are short: compared in place rather than by a call to memcmp.
bool same_key(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// a.compare(b) (bytes compared unsigned, as memcmp does), in place: keys are short.
int compare_keys(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

// Sorts [first, last) by key, and a repeated key by position: in nlohmann's key order,
// and with the last value of a repeated key last in its run. (std::stable_sort would
// allocate a buffer.)
template <typename Entry>
void sort_by_key(Entry* first, Entry* last) {
  const auto before = [](const Entry& a, const Entry& b) {
    const int c = compare_keys(a.key, b.key);
    return c < 0 || (c == 0 && a.position < b.position);
  };
  if (std::is_sorted(first, last, before)) return;  // often: members added in key order
  if (last - first > 16) {
    std::sort(first, last, before);
    return;
  }
  for (Entry* i = first + 1; i < last; ++i) {  // insertion sort: a handful of members
    const Entry e = *i;
    Entry* j = i;
    for (; j > first && before(e, *(j - 1)); --j) *j = *(j - 1);
    *j = e;
  }
}

// Writes a DOM object as nlohmann's dump of its tree: keys sorted (nlohmann's object is a
// std::map<std::string>, compared byte by byte like string_view), a repeated key once,
// with its last value.
void write_object(JsonWriter& w, simdjson::dom::object object) {
  struct Field {
    std::string_view key;
    simdjson::dom::element value;
    std::size_t position;
  };
  constexpr std::size_t kInline = 16;
  // Left unset: only the first n are written and read (zeroing all 16 cost more than
  // sorting a small object's keys).
  union InlineFields {
    InlineFields() {}  // NOLINT(modernize-use-equals-default): = default would zero them
    std::array<Field, kInline> at;
  } inline_fields;
  static_assert(std::is_trivially_copyable_v<Field> && std::is_trivially_destructible_v<Field>);
  std::vector<Field> heap_fields;
  Field* fields = inline_fields.at.data();
  std::size_t n = 0;
  if (object.size() <= kInline) {
    for (const auto field : object) {
      if (n == kInline) break;  // size() is exact for any object under 2^24 members
      fields[n] = Field{field.key, field.value, n};
      ++n;
    }
  } else {
    for (const auto field : object)
      heap_fields.push_back(Field{field.key, field.value, heap_fields.size()});
    fields = heap_fields.data();
    n = heap_fields.size();
  }
  sort_by_key(fields, fields + n);
  w.raw("{");
  bool first = true;
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 1 < n && same_key(fields[i + 1].key, fields[i].key)) continue;  // a later value wins
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
    // NOLINTBEGIN(modernize-return-braced-init-list): Json{x} would be the array [x]
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
  // NOLINTEND(modernize-return-braced-init-list)
}

// ---- Value ----

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

Request::Request(simdjson::dom::element root) : dom_(root), mode_(Mode::dom) {
  const simdjson::dom::object fields = dom_.get_object().value_unsafe();
  if (fields.size() > kIndexed) return;
  for (const auto field : fields) {
    if (member_count_ == kIndexed) return;  // size() is exact below 2^24 members
    members_.at[member_count_++] = Member{field.key, field.value};
  }
  indexed_ = true;
}

Request Request::owning(Json tree) {
  Request r;
  r.tree_ = std::move(tree);
  r.mode_ = Mode::owned;
  return r;
}

std::optional<Value> Request::find_unindexed(std::string_view key) const {
  switch (mode_) {
    case Mode::dom: {
      std::optional<Value> found;
      const simdjson::dom::object fields = dom_.get_object().value_unsafe();
      for (auto it = fields.begin(); it != fields.end(); ++it) {
        if (it.key_equals(key)) found = Value(it.value());  // the last one wins
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

Result& Result::add(std::string_view key, Json value) {
  next_member(key).value.emplace<Json>(std::move(value));
  return *this;
}

Result& Result::add(std::string_view key, const Value& value) {
  next_member(key).value.emplace<Value>(value);
  return *this;
}

Result::Member& Result::next_member(std::string_view key) {
  if (!members_mode_) {
    members_mode_ = true;
    if (!tree_.is_null()) tree_ = Json();
  }
  if (count_ >= kInline) {
    Member& m = more_.emplace_back();
    m.key.assign(key);
    ++count_;
    return m;
  }
  // Made in place (the key string is not moved, the value is set by the caller).
  auto* m = ::new (inline_slot(count_)) Member{std::string(key), MemberValue()};
  ++count_;
  return *m;
}

void Result::take(Result& other) noexcept {
  tree_ = std::move(other.tree_);
  members_mode_ = other.members_mode_;
  for (std::size_t i = 0; i < other.inline_count(); ++i)
    ::new (inline_slot(i)) Member(std::move(other.inline_member(i)));
  count_ = other.count_;
  more_ = std::move(other.more_);
  other.destroy_inline();
  other.count_ = 0;
  other.more_.clear();
  other.members_mode_ = false;
}

Result::Result(const Result& other)
    : tree_(other.tree_), members_mode_(other.members_mode_), more_(other.more_) {
  try {
    for (; count_ < other.inline_count(); ++count_)
      ::new (inline_slot(count_)) Member(other.inline_member(count_));
  } catch (...) {
    destroy_inline();  // the count_ made so far
    throw;
  }
  count_ = other.count_;
}

Result& Result::operator=(const Result& other) {
  if (this != &other) {
    Result copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Result& Result::operator=(Result&& other) noexcept {
  if (this != &other) {
    destroy_inline();
    count_ = 0;
    more_.clear();
    take(other);
  }
  return *this;
}

namespace {
Json member_json(const bool& value) {
  // Not Json{value}: nlohmann reads braces as an initializer list (an array [value]).
  return Json(value);  // NOLINT(modernize-return-braced-init-list)
}
Json member_json(const Value& value) {
  return value.to_json();
}
Json member_json(Json& value) {
  return std::move(value);
}
}  // namespace

Json Result::to_json() && {
  if (!members_mode_) return std::move(tree_);
  Json out(Json::value_t::object);
  auto& object = out.get_ref<Json::object_t&>();
  for (std::size_t i = 0; i < count_; ++i) {  // in add order: a key added again replaces
    Member& m = i < kInline ? inline_member(i) : more_[i - kInline];
    object.insert_or_assign(std::move(m.key),
                            std::visit([](auto& v) { return member_json(v); }, m.value));
  }
  return out;
}

namespace {
void write_member_value(JsonWriter& w, const std::variant<bool, Value, Json>& value) {
  if (const auto* flag = std::get_if<bool>(&value))
    w.raw(*flag ? "true" : "false");
  else if (const auto* echoed = std::get_if<Value>(&value))
    echoed->write(w);
  else
    w.json(std::get<Json>(value));
}
}  // namespace

void Result::write(JsonWriter& w) const {
  if (!members_mode_) {
    w.json(tree_);
    return;
  }
  const std::size_t n = count_;
  // Usual: a few members added in key order, none twice: written as they are, no sort.
  bool in_order = n <= kInline;
  for (std::size_t i = 1; in_order && i < n; ++i)
    in_order = compare_keys(inline_member(i - 1).key, inline_member(i).key) < 0;
  if (in_order) {
    w.raw("{");
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) w.raw(",");
      const Member& m = inline_member(i);
      w.string(m.key);
      w.raw(":");
      write_member_value(w, m.value);
    }
    w.raw("}");
    return;
  }
  struct Entry {
    std::string_view key;
    const Member* member;
    std::size_t position;
  };
  constexpr std::size_t kInlineEntries = 8;
  std::array<Entry, kInlineEntries>
      inline_entries;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  std::vector<Entry> heap_entries;
  Entry* entries = inline_entries.data();
  if (n > kInlineEntries) {
    heap_entries.resize(n);
    entries = heap_entries.data();
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Member& m = member(i);
    entries[i] = Entry{m.key, &m, i};
  }
  sort_by_key(entries, entries + n);
  w.raw("{");
  bool first = true;
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 1 < n && same_key(entries[i + 1].key, entries[i].key)) continue;  // replaced later
    if (!first) w.raw(",");
    first = false;
    w.string(entries[i].key);
    w.raw(":");
    write_member_value(w, entries[i].member->value);
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
