#include "rule_validator.hpp"

#include <algorithm>
#include <regex>
#include <set>

namespace optguard::test {

namespace {

const std::set<std::string>& resource_types(Browser b) {
  // Chrome: chrome.declarativeNetRequest.ResourceType; Firefox ESR 153: the ResourceType
  // enum of toolkit/components/extensions/schemas/declarative_net_request.json.
  static const std::set<std::string> chrome{
      "main_frame", "sub_frame", "stylesheet",     "script",    "image",
      "font",       "object",    "xmlhttprequest", "ping",      "csp_report",
      "media",      "websocket", "webtransport",   "webbundle", "other"};
  static const std::set<std::string> firefox{
      "main_frame", "sub_frame",         "stylesheet",     "script",      "image",
      "object",     "object_subrequest", "xmlhttprequest", "xslt",        "ping",
      "beacon",     "xml_dtd",           "font",           "media",       "websocket",
      "csp_report", "imageset",          "web_manifest",   "speculative", "json",
      "other"};
  return b == Browser::chrome ? chrome : firefox;
}

bool ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Firefox: new URL("http://" + d).hostname === d; Chrome: lowercase ASCII, non-empty.
bool canonical_domain(const std::string& d) {
  static const std::regex shape("^[a-z0-9_-]+(\\.[a-z0-9_-]+)*\\.?$");
  if (!std::regex_match(d, shape)) return false;
  static const std::regex numeric_tail("(^|\\.)[0-9]+\\.?$");
  if (std::regex_search(d, numeric_tail)) {
    static const std::regex ipv4(
        "^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?["
        "0-9])){3}$");
    return std::regex_match(d, ipv4);
  }
  return true;
}

}  // namespace

std::vector<std::string> validate_rule(const nlohmann::json& rule, Browser browser) {
  std::vector<std::string> errs;
  auto err = [&](const std::string& m) { errs.push_back(m); };
  if (!rule.is_object()) return {"rule is not an object"};
  static const std::set<std::string> rule_keys{"id", "priority", "action", "condition"};
  for (auto it = rule.begin(); it != rule.end(); ++it) {
    if (!rule_keys.count(it.key())) err("unknown rule key " + it.key());
  }
  if (!rule.contains("id") || !rule["id"].is_number_integer() || rule["id"].get<long>() < 1)
    err("id must be an integer >= 1");
  if (rule.contains("priority") &&
      (!rule["priority"].is_number_integer() || rule["priority"].get<long>() < 1)) {
    err("priority must be an integer >= 1");
  }
  if (!rule.contains("action") || !rule["action"].is_object())
    return errs.push_back("action missing"), errs;
  const auto& action = rule["action"];
  static const std::set<std::string> actions{"block", "allow", "allowAllRequests"};
  if (!action.contains("type") || !action["type"].is_string() ||
      !actions.count(action["type"].get<std::string>())) {
    err("action.type must be block, allow or allowAllRequests");
  }
  if (action.size() != 1) err("action has keys besides type");
  if (!rule.contains("condition") || !rule["condition"].is_object())
    return errs.push_back("condition missing"), errs;
  const auto& c = rule["condition"];
  static const std::set<std::string> cond_keys{"urlFilter",
                                               "regexFilter",
                                               "isUrlFilterCaseSensitive",
                                               "initiatorDomains",
                                               "excludedInitiatorDomains",
                                               "requestDomains",
                                               "excludedRequestDomains",
                                               "resourceTypes",
                                               "excludedResourceTypes",
                                               "domainType"};
  for (auto it = c.begin(); it != c.end(); ++it) {
    if (!cond_keys.count(it.key())) err("unknown condition key " + it.key());
  }
  if (c.contains("urlFilter") && c.contains("regexFilter"))
    err("urlFilter and regexFilter together");
  if (c.contains("urlFilter")) {
    if (!c["urlFilter"].is_string()) {
      err("urlFilter not a string");
    } else {
      const auto u = c["urlFilter"].get<std::string>();
      if (u.empty()) err("empty urlFilter");
      if (!ascii(u)) err("non-ASCII urlFilter");
      if (u.rfind("||*", 0) == 0) err("urlFilter starts with ||*");
      std::string inner = u;
      if (inner.rfind("||", 0) == 0)
        inner = inner.substr(2);
      else if (inner.rfind("|", 0) == 0)
        inner = inner.substr(1);
      if (!inner.empty() && inner.back() == '|') inner.pop_back();
      if (inner.find('|') != std::string::npos) err("'|' inside urlFilter: " + u);
      if (u == "|" || u == "||") err("urlFilter is only an anchor");
    }
  }
  if (c.contains("regexFilter")) {
    if (!c["regexFilter"].is_string()) {
      err("regexFilter not a string");
    } else {
      const auto r = c["regexFilter"].get<std::string>();
      if (r.empty()) err("empty regexFilter");
      if (!ascii(r)) err("non-ASCII regexFilter");
      try {  // ECMAScript grammar: what Firefox compiles it with
        std::regex compiled(r, std::regex::ECMAScript | std::regex::icase);
      } catch (const std::regex_error&) {
        err("regexFilter is not a valid ECMAScript regex: " + r);
      }
    }
  }
  if (c.contains("isUrlFilterCaseSensitive") && !c["isUrlFilterCaseSensitive"].is_boolean()) {
    err("isUrlFilterCaseSensitive not a boolean");
  }
  for (const char* key : {"initiatorDomains", "excludedInitiatorDomains", "requestDomains",
                          "excludedRequestDomains"}) {
    if (!c.contains(key)) continue;
    const auto& list = c[key];
    if (!list.is_array() || list.empty()) {
      err(std::string(key) + " must be a non-empty array");
      continue;
    }
    for (const auto& d : list) {
      if (!d.is_string() || !canonical_domain(d.get<std::string>())) {
        err(std::string(key) + " has a non-canonical domain: " + d.dump());
      }
    }
  }
  if (c.contains("resourceTypes") && c.contains("excludedResourceTypes"))
    err("resourceTypes and excludedResourceTypes");
  for (const char* key : {"resourceTypes", "excludedResourceTypes"}) {
    if (!c.contains(key)) continue;
    const auto& list = c[key];
    if (!list.is_array() || (std::string(key) == "resourceTypes" && list.empty())) {
      err(std::string(key) + " must be a non-empty array");
      continue;
    }
    for (const auto& t : list) {
      if (!t.is_string() || !resource_types(browser).count(t.get<std::string>())) {
        err(std::string(key) + " has a type this browser rejects: " + t.dump());
      }
    }
  }
  if (action.value("type", "") == "allowAllRequests") {
    if (!c.contains("resourceTypes"))
      err("allowAllRequests needs resourceTypes");
    else {
      for (const auto& t : c["resourceTypes"]) {
        if (t != "main_frame" && t != "sub_frame")
          err("allowAllRequests with a type other than main_frame/sub_frame");
      }
    }
  }
  if (c.contains("domainType") && c["domainType"] != "firstParty" &&
      c["domainType"] != "thirdParty") {
    err("domainType must be firstParty or thirdParty");
  }
  return errs;
}

}  // namespace optguard::test
