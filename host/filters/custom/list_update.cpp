#include "filters/custom/list_update.hpp"

#include <array>
#include <chrono>
#include <ctime>

#include "common/errors.hpp"
#include "filters/custom/atomic_file.hpp"
#include "filters/parser.hpp"

namespace optguard::filters {

namespace {
constexpr std::array<std::string_view, 2> kUpdatable{"easylist", "easyprivacy"};

std::string now_iso8601() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  (void)std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
}  // namespace

bool is_updatable_list(std::string_view name) {
  for (const auto n : kUpdatable) {
    if (n == name) return true;
  }
  return false;
}

ListUpdate update_list(const std::filesystem::path& home, std::string_view name,
                       std::string_view text) {
  if (!is_updatable_list(name)) {
    throw Error(ErrorCode::bad_params,
                "unknown list '" + std::string(name) + "' (expected easylist or easyprivacy)");
  }
  ListUpdate u;
  u.list = std::string(name);
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const auto r = parse_filter_line(text.substr(start, end - start));
    if (r.filter)
      ++u.loaded;
    else if (r.reason != SkipReason::empty)
      ++u.skipped;
    start = end + 1;
  }
  if (u.loaded == 0) {
    throw Error(
        ErrorCode::bad_params,
        "the text for list '" + u.list + "' has no valid network filter; the current list is kept");
  }
  u.file = home / "lists" / (u.list + ".txt");
  write_file_atomically(u.file, text);
  u.updated_at = now_iso8601();
  return u;
}

}  // namespace optguard::filters
