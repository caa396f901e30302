// Custom filters, list updates and the dynamic DNR rules: filters_add, filters_remove,
// filters_list, lists_update, get_rules (docs/protocol.md, "Filter messages").
#include "app/dnr_lists.hpp"
#include "app/messages.hpp"
#include "common/errors.hpp"
#include "common/log.hpp"
#include "filters/custom/custom_filters.hpp"
#include "filters/custom/list_update.hpp"
#include "filters/dnr/dynamic_rules.hpp"
#include "learning/learning.hpp"
#include "protocol/paging.hpp"
#include "protocol/params.hpp"

namespace optguard::app {

namespace {

using protocol::Json;
namespace params = protocol::params;

// The engine matches the custom filters and the lists too: rebuild it after a change. A
// failure there must not turn a saved change into an error reply: the compiled cache
// notices the changed file on the next start anyway.
void reload_engine(Services& services) {
  try {
    services.reload_engine();
  } catch (const std::exception& e) {
    log::warn(std::string("filter engine not rebuilt after a list change: ") + e.what());
  }
}

// The dynamic rules for the user's own filters, in id order: custom filters from id 1, learned
// trackers (<home>/lists/learned.txt, docs/protocol.md "Learned trackers") from
// learning::kFirstLearnedRuleId, within the host's one budget.
filters::dnr::DynamicRules current_dynamic_rules(Services& services) {
  filters::CustomFilters custom(custom_filters_path(services));
  filters::dnr::Limits limits = filters::dnr::kLimits;
  limits.last_dynamic_id = learning::kFirstLearnedRuleId - 1;
  auto all = filters::dnr::compile_dynamic_rules({{"custom", custom.filters()}}, limits);
  filters::CustomFilters learned(services.home() / "lists" / "learned.txt");
  auto learned_filters = learned.filters();
  if (learned_filters.empty()) return all;
  limits.first_dynamic_id = learning::kFirstLearnedRuleId;
  limits.last_dynamic_id = filters::dnr::kLimits.last_dynamic_id;
  limits.dynamic_rules_for_host -= std::min(limits.dynamic_rules_for_host, all.rules.size());
  auto more =
      filters::dnr::compile_dynamic_rules({{"learned", std::move(learned_filters)}}, limits);
  for (auto& r : more.rules) all.rules.push_back(std::move(r));
  for (auto& r : more.reports) all.reports.push_back(std::move(r));
  all.version = filters::dnr::digest_hex(all.rules.dump());
  return all;
}

}  // namespace

Json get_rules_page(const filters::dnr::DynamicRules& all, const std::optional<std::string>& cursor,
                    std::size_t budget) {
  std::size_t offset = 0;
  if (cursor) {
    const auto colon = cursor->find(':');
    const std::string version = cursor->substr(0, colon);
    if (colon == std::string::npos || version != all.version) {
      throw Error(ErrorCode::bad_params,
                  "the cursor is stale (the rules changed): call get_rules without a cursor");
    }
    try {
      offset = std::stoul(cursor->substr(colon + 1));
    } catch (const std::exception&) {
      throw Error(ErrorCode::bad_params, "cursor is not one get_rules returned");
    }
    if (offset > all.rules.size())
      throw Error(ErrorCode::bad_params, "cursor is past the end of the rules");
  }
  protocol::PageBuilder page(budget);
  std::size_t i = offset;
  while (i < all.rules.size() && page.try_add(all.rules[i])) ++i;
  if (i == offset && i < all.rules.size())
    throw Error(ErrorCode::reply_too_large, "one rule is larger than a page");
  Json next = nullptr;
  if (i < all.rules.size()) next = all.version + ":" + std::to_string(i);
  return Json{{"rules", page.take_items()}, {"next_cursor", next}, {"version", all.version}};
}

void register_dnr_messages(protocol::Router& router, Services& services) {
  router.add({"filters_list", "the custom filters with their line numbers, and the whole text",
              [&services](const Json& /*req*/, protocol::RequestContext& /*ctx*/) {
                filters::CustomFilters custom(custom_filters_path(services));
                Json list = Json::array();
                for (const auto& l : custom.lines())
                  list.push_back({{"line", l.line}, {"text", l.text}});
                return Json{{"filters", list}, {"text", custom.text()}};
              }});
  router.add({"filters_add",
              "validate and add custom filter lines; errors per line, valid lines added",
              [&services](const Json& req, protocol::RequestContext& /*ctx*/) {
                const auto text = params::require_string(req, "text");
                filters::CustomFilters custom(custom_filters_path(services));
                const auto r = custom.add(text);
                if (r.added > 0) reload_engine(services);
                Json errors = Json::array();
                for (const auto& e : r.errors) {
                  errors.push_back({{"line", e.line}, {"text", e.text}, {"message", e.message}});
                }
                return Json{{"added", r.added}, {"errors", errors}};
              }});
  router.add({"filters_remove", "remove custom filters given by their exact text",
              [&services](const Json& req, protocol::RequestContext& /*ctx*/) {
                const auto& list = params::require_array(req, "filters");
                std::vector<std::string> texts;
                for (const auto& f : list) {
                  if (!f.is_string())
                    throw Error(ErrorCode::bad_params, "`filters` must be an array of strings");
                  texts.push_back(f.get<std::string>());
                }
                filters::CustomFilters custom(custom_filters_path(services));
                const int removed = custom.remove(texts);
                if (removed > 0) reload_engine(services);
                return Json{{"removed", removed}};
              }});
  router.add({"lists_update",
              "replace a filter list with a new text (validated, written atomically)",
              [&services](const Json& req, protocol::RequestContext& /*ctx*/) {
                const auto list = params::require_string(req, "list");
                const auto text = params::require_string(req, "text");
                const auto u = filters::update_list(services.home(), list, text);
                reload_engine(services);
                return Json{{"list", u.list},
                            {"loaded", u.loaded},
                            {"skipped", u.skipped},
                            {"updated_at", u.updated_at}};
              }});
  router.add({"get_rules", "the DNR dynamic rules for the custom filters (ids 1..99999), paged",
              [&services](const Json& req, protocol::RequestContext& /*ctx*/) {
                const auto cursor = params::optional_string(req, "cursor");
                return get_rules_page(current_dynamic_rules(services), cursor);
              }});
}

}  // namespace optguard::app
