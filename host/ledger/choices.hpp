#pragma once
// The choice keys, their defaults and the current-choices state (docs/protocol.md get_state).
// One table: kChoiceKeys.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace optguard::ledger {

struct ChoiceKey {
  std::string_view name;
  bool default_value;  // browser:* = whether the browser feature is ALLOWED
};

// Every choice key with its default. Append new keys at the end.
inline constexpr ChoiceKey kChoiceKeys[] = {
    {"gpc", true},
    {"dnt", true},
    {"protection", true},
    {"block:advertising", true},
    {"block:tracking", true},
    {"block:social", true},
    {"block:custom", true},
    {"block:learned", true},
    {"browser:topics", false},
    {"browser:fledge", false},
    {"browser:ad_measurement", false},
    {"browser:hyperlink_auditing", false},
    {"browser:third_party_cookies", true},
};

bool is_choice_key(std::string_view key);
bool is_browser_key(std::string_view key);
bool is_source(std::string_view source);  // popup | options | cli | policy | default

// The current choices: global values (every key) and per-site overrides.
struct State {
  std::map<std::string, bool, std::less<>> global;
  std::map<std::string, std::map<std::string, bool, std::less<>>, std::less<>> sites;

  static State defaults();
  // The value before a change (nullopt = a site key that was not set).
  std::optional<bool> get(const std::string& scope_site, const std::string& key) const;
  // Applies a change; value nullopt removes a site override.
  void set(const std::string& scope_site, const std::string& key, std::optional<bool> value);

  nlohmann::json to_json() const;  // {"choices": {"global": {...}, "sites": {...}}}
  static State from_json(const nlohmann::json& j);
  bool operator==(const State&) const = default;
};

}  // namespace optguard::ledger
