#include "filters/engine.hpp"

#include <array>

namespace optguard::filters {

namespace {
constexpr std::array<std::string_view, kCategoryCount> kCategoryNames = {
    "advertising", "tracking", "social", "custom", "learned"};
}

std::string_view category_name(Category c) {
  return kCategoryNames[static_cast<std::size_t>(c)];
}

std::optional<Category> category_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kCategoryNames.size(); ++i) {
    if (kCategoryNames[i] == name) return static_cast<Category>(i);
  }
  return std::nullopt;
}

std::string_view decision_name(Decision d) {
  switch (d) {
    case Decision::block:
      return "block";
    case Decision::allow:
      return "allow";
    case Decision::none:
      break;
  }
  return "none";
}

Verdict Engine::match(const Request& request, CategoryMask enabled) const {
  const MatchResult m = matcher_.match(request, enabled);
  Verdict v;
  v.decision = m.decision;
  if (m.filter != kNoFilter) {
    v.category = matcher_.filter_category(m.filter);
    v.filter = matcher_.filter_text(m.filter);
    v.list = matcher_.filter_list(m.filter);
    v.important = matcher_.filter_important(m.filter);
  }
  return v;
}

Verdict Engine::match(std::string_view url, std::string_view source, std::string_view type,
                      CategoryMask enabled) const {
  const Request r(url, source, type);
  return match(r, enabled);
}

}  // namespace optguard::filters
