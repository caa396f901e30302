#include "app/engine_json.hpp"

namespace optguard::app {

nlohmann::json verdict_json(const filters::Verdict& v) {
  nlohmann::json j;
  j["verdict"] = filters::decision_name(v.decision);
  j["category"] =
      v.category ? nlohmann::json(filters::category_name(*v.category)) : nlohmann::json(nullptr);
  j["filter"] =
      v.decision == filters::Decision::none ? nlohmann::json(nullptr) : nlohmann::json(v.filter);
  j["list"] =
      v.decision == filters::Decision::none ? nlohmann::json(nullptr) : nlohmann::json(v.list);
  return j;
}

nlohmann::json list_json(const filters::CatalogueEntry& entry,
                         const std::vector<filters::ListStats>& stats) {
  nlohmann::json j;
  j["name"] = entry.name;
  j["category"] = filters::category_name(entry.category);
  j["origin"] = entry.origin;
  j["path"] = entry.path.empty() ? nlohmann::json(nullptr) : nlohmann::json(entry.path.string());
  j["present"] = entry.present;
  const filters::ListStats* s = nullptr;
  for (const auto& st : stats) {
    if (st.name == entry.name) s = &st;
  }
  j["lines"] = s ? s->lines : 0;
  j["loaded"] = s ? s->loaded : 0;
  j["skipped"] = s ? s->skipped : 0;
  j["badfiltered"] = s ? s->badfiltered : 0;
  nlohmann::json reasons = nlohmann::json::object();
  for (int i = 0; i < filters::kSkipReasonCount; ++i) {
    const auto reason = static_cast<filters::SkipReason>(i);
    if (reason == filters::SkipReason::none || reason == filters::SkipReason::empty) continue;
    reasons[std::string(filters::skip_reason_name(reason))] = s ? s->skipped_by_reason[i] : 0;
  }
  j["skipped_by_reason"] = reasons;
  return j;
}

}  // namespace optguard::app
