#pragma once
// What a handler reads and returns, without a nlohmann tree on the hot path.
//
//   Request: one parsed request. Members are read straight from simdjson's DOM (find(),
//            the params.hpp helpers); the nlohmann tree of the whole request is built
//            only when a handler asks for it (json(), or a handler that takes
//            `const Json&`: a Request converts to the tree on demand).
//   Value:   one value inside a request (a DOM element, or a node of a nlohmann tree).
//   Result:  what a handler returns: a nlohmann value, or an object assembled member by
//            member whose members may be values of the request itself (echoed as they
//            came, no tree built). Either is written by JsonWriter exactly as nlohmann's
//            dump of the same tree would be (keys sorted, a repeated key's last value).
//
// A Request made by MessageParser views the parser's buffers: it and every Value taken
// from it are valid until the parser's next parse.

#include <simdjson.h>

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "protocol/envelope.hpp"

namespace optguard::protocol {

class JsonWriter;

class Value {
 public:
  Value() = default;  // no value: null
  explicit Value(const Json& value) : json_(&value) {}
  explicit Value(simdjson::dom::element element) : dom_(element), is_dom_(true) {}

  // As nlohmann's is_null / is_string / is_boolean / is_number_integer (signed or
  // unsigned) / is_number.
  // (Inline: every request asks them of its id and type.)
  bool is_null() const {
    if (is_dom_) return dom_.type() == simdjson::dom::element_type::NULL_VALUE;
    return json_ == nullptr || json_->is_null();
  }
  bool is_string() const {
    if (is_dom_) return dom_.type() == simdjson::dom::element_type::STRING;
    return json_ != nullptr && json_->is_string();
  }
  bool is_bool() const {
    if (is_dom_) return dom_.type() == simdjson::dom::element_type::BOOL;
    return json_ != nullptr && json_->is_boolean();
  }
  bool is_integer() const {
    if (is_dom_) {
      const auto t = dom_.type();
      return t == simdjson::dom::element_type::INT64 || t == simdjson::dom::element_type::UINT64;
    }
    return json_ != nullptr && json_->is_number_integer();
  }
  bool is_number() const {
    if (is_dom_) return is_integer() || dom_.type() == simdjson::dom::element_type::DOUBLE;
    return json_ != nullptr && json_->is_number();
  }
  // Preconditions: the matching is_*(). get_int64 converts as nlohmann's get<int64_t>
  // (an unsigned value above INT64_MAX wraps).
  std::string_view get_string() const {
    if (is_dom_) return dom_.get_string().value_unsafe();
    return json_->get_ref<const std::string&>();
  }
  bool get_bool() const;
  std::int64_t get_int64() const;

  // The nlohmann value (what nlohmann's parser would have built).
  Json to_json() const;
  // Writes the value as nlohmann's dump of to_json() would.
  void write(JsonWriter& w) const;

 private:
  const Json* json_ = nullptr;
  simdjson::dom::element dom_;
  bool is_dom_ = false;
};

class Request {
 public:
  Request() = default;  // no request (an empty object)
  // A view of simdjson's DOM of the request (an object).
  explicit Request(simdjson::dom::element root);
  // A view of a tree the caller keeps alive (tests, the reference path).
  explicit Request(const Json& tree) : borrowed_(&tree), mode_(Mode::borrowed) {}
  // Owns the tree (a body nlohmann's parser read).
  static Request owning(Json tree);

  // The member `key` (null included); a repeated key gives its last value, as nlohmann's
  // parser keeps. nullopt when absent.
  std::optional<Value> find(std::string_view key) const {
    if (indexed_) {  // inline: a literal key is then compared as a constant
      for (std::size_t i = member_count_; i-- > 0;) {  // from the end: the last one wins
        if (members_.at[i].key == key) return Value(members_.at[i].value);
      }
      return std::nullopt;
    }
    return find_unindexed(key);
  }
  bool contains(std::string_view key) const { return find(key).has_value(); }

  // The whole request as nlohmann's parser builds it, built on first use.
  const Json& json() const;
  // A handler written for the tree (`const Json& req`) gets it through this conversion.
  operator const Json&() const { return json(); }  // NOLINT(google-explicit-constructor)
  // The tree, moved out (built if needed).
  Json take_json() &&;

 private:
  std::optional<Value> find_unindexed(std::string_view key) const;

  enum class Mode { none, dom, borrowed, owned };
  // The members of a DOM request with up to kIndexed of them, found in one pass when it
  // is made (a request is looked up several times: id, type, then each parameter).
  static constexpr std::size_t kIndexed = 8;
  struct Member {
    std::string_view key;
    simdjson::dom::element value;
  };
  // Left unset until the constructor fills the first member_count_ of them (trivial types).
  union Members {
    Members() {}  // NOLINT(modernize-use-equals-default): = default would zero them
    std::array<Member, kIndexed> at;
  };
  static_assert(std::is_trivially_copyable_v<Member> && std::is_trivially_destructible_v<Member>);

  simdjson::dom::element dom_;
  Members members_;
  std::size_t member_count_ = 0;
  bool indexed_ = false;  // false: more members than kIndexed, find() walks the DOM
  const Json* borrowed_ = nullptr;
  mutable std::optional<Json> tree_;  // owned, or built from the DOM on demand
  Mode mode_ = Mode::none;
};

class Result {
 public:
  Result() = default;  // null
  // The whole result as a tree (what most handlers return).
  Result(Json value) : tree_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  ~Result() { destroy_inline(); }
  Result(const Result& other);
  Result(Result&& other) noexcept { take(other); }
  Result& operator=(const Result& other);
  Result& operator=(Result&& other) noexcept;

  // An object result, member by member (starting from an empty object). Adding a key
  // again replaces its value.
  Result& add(std::string_view key, Json value);
  // A value of the request, echoed as it came: no tree is built for it.
  Result& add(std::string_view key, const Value& value);
  // A boolean (no tree either). Only a bool: a pointer or a number takes the Json overload.
  template <typename Bool>
  requires std::same_as<Bool, bool> Result& add(std::string_view key, Bool value) {
    next_member(key).value.emplace<bool>(value);
    return *this;
  }

  // The result as one nlohmann value.
  Json to_json() &&;
  void write(JsonWriter& w) const;
  // The tree part (for freeing it early).
  Json& tree() { return tree_; }

 private:
  // bool first: a member not yet set builds no Json (nor frees one).
  using MemberValue = std::variant<bool, Value, Json>;
  struct Member {
    std::string key;
    MemberValue value;
  };
  // The member the next add() fills: its key set (copied in place), its value to be set.
  Member& next_member(std::string_view key);
  // Where inline member i lives (constructed or not).
  void* inline_slot(std::size_t i) { return inline_ + i * sizeof(Member); }
  // Inline member i (i < min(count_, kInline): constructed).
  Member& inline_member(std::size_t i) {
    return *std::launder(reinterpret_cast<Member*>(inline_ + i * sizeof(Member)));
  }
  const Member& inline_member(std::size_t i) const {
    return *std::launder(reinterpret_cast<const Member*>(inline_ + i * sizeof(Member)));
  }
  const Member& member(std::size_t i) const {
    return i < kInline ? inline_member(i) : more_[i - kInline];
  }
  std::size_t inline_count() const { return count_ < kInline ? count_ : kInline; }
  void destroy_inline() noexcept {
    for (std::size_t i = 0; i < inline_count(); ++i) std::destroy_at(&inline_member(i));
  }
  // Moves other's members here (this has none); other is left with none.
  void take(Result& other) noexcept;

  // The first members live in the result itself (no allocation for a small reply), each
  // constructed only when added: a result of two members makes and frees two, not kInline.
  static constexpr std::size_t kInline = 4;
  Json tree_;
  bool members_mode_ = false;
  std::size_t count_ = 0;  // members added, in the order added (sorted when written)
  alignas(Member) std::byte inline_[kInline * sizeof(Member)];
  std::vector<Member> more_;
};

// Appends the text of {"id", "ok": true, "result"} / {"error": {"code", "message"}, "id",
// "ok": false}: what serialize(make_ok(id.to_json(), result.to_json())) etc. give.
void write_ok(std::string& out, const Value& id, const Result& result);
void write_error(std::string& out, const Value& id, ErrorCode code, std::string_view message);

// The nlohmann tree of a simdjson element (what nlohmann's parser builds for its text).
Json to_json(simdjson::dom::element element);

}  // namespace optguard::protocol
