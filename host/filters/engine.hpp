#pragma once
// The filter engine: every list compiled into one Matcher, answering "is this request a
// tracker, and of what category?".
//
// Example:
//   Engine e = Engine::build({{"easyprivacy", Category::tracking, text}});
//   Verdict v = e.match("https://tracker.example/p.gif", "https://news.example.org/", "image");
//   v.decision == Decision::block; v.category == Category::tracking; v.list == "easyprivacy"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filters/matcher.hpp"

namespace optguard::filters {

// "advertising", "tracking", "social", "custom", "learned".
std::string_view category_name(Category c);
std::optional<Category> category_from_name(std::string_view name);
// "block", "allow", "none".
std::string_view decision_name(Decision d);

struct Verdict {
  Decision decision = Decision::none;
  std::optional<Category> category;  // of the deciding filter
  std::string_view filter;           // its text as written in the list ("" for none)
  std::string_view list;             // its list's name ("" for none)
  bool important = false;
};

class Engine {
 public:
  Engine() = default;
  explicit Engine(Matcher matcher) : matcher_(std::move(matcher)) {}

  static Engine build(const std::vector<ListSource>& sources,
                      const std::vector<SourceFingerprint>& fingerprints = {}) {
    return Engine(Matcher::build(sources, fingerprints));
  }

  // Views in the Verdict stay valid as long as the Engine lives.
  Verdict match(const Request& request, CategoryMask enabled = kAllCategories) const;
  Verdict match(std::string_view url, std::string_view source, std::string_view type,
                CategoryMask enabled = kAllCategories) const;

  std::vector<ListStats> lists() const { return matcher_.lists(); }
  const Matcher& matcher() const { return matcher_; }

 private:
  Matcher matcher_;
};

}  // namespace optguard::filters
