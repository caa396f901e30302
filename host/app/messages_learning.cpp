// Learned trackers (DESIGN.md feature 5): observe_pixels, learned_list, learned_remove
// (docs/protocol.md "Learned trackers"). The logic is host/learning/learning.*; here a newly
// learned or undone tracker also rebuilds the engine (classify and get_rules include it) and
// is written to the ledger, so the user can see every change. The caller refreshes its rules
// from the reply (`learned` non-empty / `removed` true), so no rules_changed event is needed.
#include "app/messages.hpp"
#include "common/errors.hpp"
#include "common/log.hpp"
#include "learning/learning.hpp"
#include "protocol/params.hpp"

namespace optguard::app {
namespace {
using protocol::Json;
namespace params = protocol::params;

Json tracker_json(const learning::LearnedTracker& t) {
  return Json{{"domain", t.domain},
              {"sites", t.sites},
              {"learned_at", ledger::iso_time(t.learned_at_ms)},
              {"filter", learning::Learner::filter_for(t.domain)}};
}

std::string member_string(const Json& o, const char* key, std::size_t i) {
  const auto it = o.find(key);
  if (it == o.end() || !it->is_string()) {
    throw Error(ErrorCode::bad_params,
                "observations[" + std::to_string(i) + "]." + key + " must be a string");
  }
  return it->get<std::string>();
}

// The engine reads learned.txt: rebuild it after a change. A failure here must not turn a
// saved change into an error reply (the compiled cache notices the changed file next start).
void reload_after_change(Services& services) {
  try {
    services.reload_engine();
  } catch (const std::exception& e) {
    log::warn(std::string("filter engine not rebuilt after a learned-tracker change: ") + e.what());
  }
}

// "That no list already blocks": a URL the engine blocks by a list (a category switched off, a
// trusted site let it load) is the lists' business, not learning's.
// `engine` is the request's engine (one engine() call per request: each call stats learned.txt).
bool list_blocks(const filters::Engine* engine, const learning::Observation& o,
                 const std::string& type) {
  if (o.url.empty() || engine == nullptr) return false;
  try {
    const auto v = engine->match(o.url, "https://" + o.site + "/", type);
    return v.decision == filters::Decision::block && v.category != filters::Category::learned;
  } catch (const std::exception& e) {
    log::warn(std::string("learning: the filter engine could not match: ") + e.what());
    return false;
  }
}

const filters::Engine* engine_or_null(Services& services) {
  try {
    return &services.engine();
  } catch (const std::exception& e) {
    log::warn(std::string("learning: the filter engine is not available: ") + e.what());
    return nullptr;
  }
}

void record_in_ledger(Services& services, const std::vector<ledger::NewRecord>& records) {
  if (records.empty()) return;
  services.ledger().append(records);
}
}  // namespace

void register_learning_messages(protocol::Router& router, Services& services) {
  router.add({"observe_pixels",
              "pixel-like third-party responses seen on first-party sites; returns trackers "
              "learned now",
              [&services](const Json& req, protocol::RequestContext& /*ctx*/) {
                const Json& list = params::require_array(req, "observations");
                const filters::Engine* engine = list.empty() ? nullptr : engine_or_null(services);
                std::vector<learning::Observation> obs;
                obs.reserve(list.size());
                int listed = 0;
                for (std::size_t i = 0; i < list.size(); ++i) {
                  const Json& o = list[i];
                  if (!o.is_object()) {
                    throw Error(ErrorCode::bad_params,
                                "observations[" + std::to_string(i) + "] must be an object");
                  }
                  std::string url;
                  if (const auto it = o.find("url"); it != o.end() && it->is_string())
                    url = it->get<std::string>();
                  std::string type = "image";
                  if (const auto it = o.find("type"); it != o.end() && it->is_string())
                    type = it->get<std::string>();
                  learning::Observation one{member_string(o, "domain", i),
                                            member_string(o, "site", i), std::move(url)};
                  if (list_blocks(engine, one, type)) {
                    ++listed;
                    continue;
                  }
                  obs.push_back(std::move(one));
                }
                const auto r = services.learner().observe(obs, ledger::now_ms());
                Json learned = Json::array();
                std::vector<ledger::NewRecord> records;
                for (const auto& t : r.learned) {
                  learned.push_back(tracker_json(t));
                  records.push_back({"",
                                     {{"type", "learned_tracker"},
                                      {"action", "learned"},
                                      {"domain", t.domain},
                                      {"sites", t.sites},
                                      {"filter", learning::Learner::filter_for(t.domain)}}});
                }
                if (!r.learned.empty()) {
                  reload_after_change(services);
                  record_in_ledger(services, records);
                }
                return Json{{"accepted", r.accepted},
                            {"ignored", r.ignored + listed},
                            {"learned", learned}};
              }});
  router.add({"learned_list", "the learned trackers, with the sites each was seen on",
              [&services](const Json& /*req*/, protocol::RequestContext& /*ctx*/) {
                Json trackers = Json::array();
                for (const auto& t : services.learner().learned())
                  trackers.push_back(tracker_json(t));
                return Json{{"trackers", trackers}};
              }});
  router.add({"learned_remove",
              "undo a learned tracker: its rule goes, and it is never learned again",
              [&services](const Json& req, protocol::RequestContext& /*ctx*/) {
                const auto domain = params::require_string(req, "domain");
                const auto was = services.learner().unlearn(domain, ledger::now_ms());
                const bool removed = was.learned_at_ms != 0;
                if (removed) reload_after_change(services);
                record_in_ledger(services, {{"",
                                             {{"type", "learned_tracker"},
                                              {"action", "removed"},
                                              {"domain", was.domain},
                                              {"was_learned", removed}}}});
                return Json{{"domain", was.domain}, {"removed", removed}};
              }});
}

}  // namespace optguard::app
