#include "filters/custom/custom_filters.hpp"

#include <algorithm>
#include <set>

#include "filters/custom/atomic_file.hpp"
#include "filters/parser.hpp"

namespace optguard::filters {

namespace {

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Splits on '\n' (a trailing '\r' is trimmed with the rest of the whitespace).
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find('\n', start);
    out.push_back(
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

}  // namespace

bool is_ignorable_line(std::string_view line) {
  const auto r = parse_filter_line(line);
  return !r.filter && (r.reason == SkipReason::empty || r.reason == SkipReason::comment ||
                       r.reason == SkipReason::metadata);
}

std::string validate_filter_line(std::string_view line) {
  const auto r = parse_filter_line(line);
  if (r.filter) return "";
  const std::string detail = r.detail.empty() ? "" : ": " + r.detail;
  switch (r.reason) {
    case SkipReason::cosmetic:
    case SkipReason::scriptlet:
    case SkipReason::html_filter:
      return "cosmetic filters are not supported: optguard blocks requests, it does not hide page "
             "elements or run scriptlets (" +
             std::string(skip_reason_name(r.reason)) + ")";
    case SkipReason::unsupported_option:
      return "option not supported by optguard" + detail;
    case SkipReason::unknown_option:
      return "unknown option" + detail;
    case SkipReason::preprocessor:
      return "preprocessor directives (!#if, !#include) are not supported in custom filters";
    case SkipReason::malformed:
      return "malformed filter" + detail;
    case SkipReason::empty:
    case SkipReason::comment:
    case SkipReason::metadata:
      return "not a filter (" + std::string(skip_reason_name(r.reason)) + ")";
    case SkipReason::none:
      break;
  }
  return "not a network filter" + detail;
}

std::string CustomFilters::text() const {
  return read_file_if_exists(file_).value_or("");
}

std::vector<CustomFilters::Line> CustomFilters::lines() const {
  std::vector<Line> out;
  const std::string all = text();
  int n = 0;
  for (const auto raw : split_lines(all)) {
    ++n;
    const auto t = trim(raw);
    if (t.empty() || is_ignorable_line(t)) continue;
    out.push_back({n, std::string(t)});
  }
  return out;
}

std::vector<NetworkFilter> CustomFilters::filters() const {
  std::vector<NetworkFilter> out;
  for (const auto& l : lines()) {
    auto r = parse_filter_line(l.text);
    if (r.filter) out.push_back(std::move(*r.filter));
  }
  return out;
}

CustomFilters::AddResult CustomFilters::add(std::string_view input) {
  AddResult result;
  std::string all = text();
  std::set<std::string, std::less<>> present;
  for (const auto raw : split_lines(all)) present.emplace(trim(raw));
  std::string appended;
  int n = 0;
  for (const auto raw : split_lines(input)) {
    ++n;
    const auto t = trim(raw);
    if (t.empty() || is_ignorable_line(t)) continue;
    if (auto why = validate_filter_line(t); !why.empty()) {
      result.errors.push_back({n, std::string(t), std::move(why)});
      continue;
    }
    if (!present.emplace(t).second) continue;  // already there (or twice in the input)
    appended.append(t).push_back('\n');
    ++result.added;
  }
  if (result.added > 0) {
    if (!all.empty() && all.back() != '\n') all.push_back('\n');
    write_file_atomically(file_, all + appended);
  }
  return result;
}

int CustomFilters::remove(const std::vector<std::string>& filters) {
  std::set<std::string, std::less<>> gone;
  for (const auto& f : filters) gone.emplace(trim(f));
  const std::string all = text();
  std::string kept;
  int removed = 0;
  for (const auto raw : split_lines(all)) {
    const auto t = trim(raw);
    if (!t.empty() && gone.count(t) != 0) {
      ++removed;
      continue;
    }
    kept.append(raw).push_back('\n');
  }
  if (removed > 0) write_file_atomically(file_, kept);
  return removed;
}

}  // namespace optguard::filters
