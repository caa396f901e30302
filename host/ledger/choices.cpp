#include "ledger/choices.hpp"

namespace optguard::ledger {

bool is_choice_key(std::string_view key) {
  for (const auto& k : kChoiceKeys) {
    if (k.name == key) return true;
  }
  return false;
}

bool is_browser_key(std::string_view key) {
  return key.starts_with("browser:") && is_choice_key(key);
}

bool is_source(std::string_view s) {
  return s == "popup" || s == "options" || s == "cli" || s == "policy" || s == "default";
}

State State::defaults() {
  State s;
  for (const auto& k : kChoiceKeys) s.global.emplace(std::string(k.name), k.default_value);
  return s;
}

std::optional<bool> State::get(const std::string& site, const std::string& key) const {
  if (site.empty()) {
    const auto it = global.find(key);
    return it == global.end() ? std::nullopt : std::optional<bool>(it->second);
  }
  const auto s = sites.find(site);
  if (s == sites.end()) return std::nullopt;
  const auto it = s->second.find(key);
  return it == s->second.end() ? std::nullopt : std::optional<bool>(it->second);
}

void State::set(const std::string& site, const std::string& key, std::optional<bool> value) {
  if (site.empty()) {
    if (value) global[key] = *value;
    return;
  }
  if (value) {
    sites[site][key] = *value;
  } else if (auto s = sites.find(site); s != sites.end()) {
    s->second.erase(key);
    if (s->second.empty()) sites.erase(s);
  }
}

nlohmann::json State::to_json() const {
  nlohmann::json g = nlohmann::json::object();
  for (const auto& [k, v] : global) g[k] = v;
  nlohmann::json s = nlohmann::json::object();
  for (const auto& [site, keys] : sites) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& [k, v] : keys) o[k] = v;
    s[site] = std::move(o);
  }
  return {{"choices", {{"global", std::move(g)}, {"sites", std::move(s)}}}};
}

State State::from_json(const nlohmann::json& j) {
  State st = defaults();
  const auto& c = j.at("choices");
  for (const auto& [k, v] : c.at("global").items()) st.global[k] = v.get<bool>();
  for (const auto& [site, keys] : c.at("sites").items()) {
    for (const auto& [k, v] : keys.items()) st.sites[site][k] = v.get<bool>();
  }
  return st;
}

}  // namespace optguard::ledger
