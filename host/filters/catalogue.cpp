#include "filters/catalogue.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "common/errors.hpp"
#include "filters/social_list.hpp"

namespace optguard::filters {

namespace fs = std::filesystem;

CatalogueOptions default_catalogue_options() {
  CatalogueOptions o;
  const char* env = std::getenv("OPTGUARD_SYSTEM_LISTS");
  o.system_list_dir =
      (env != nullptr && *env != '\0') ? fs::path(env) : fs::path(std::string(kDebianListDir));
  return o;
}

namespace {
// The lists read from files, in catalogue order, each with its home copy and (for the two
// packaged lists) the system copy used when the home has none.
struct FileList {
  const char* name;
  Category category;
  fs::path home_path;
  fs::path system_path;  // empty: home only
};

std::vector<FileList> file_lists(const fs::path& home, const CatalogueOptions& options) {
  return {
      {"easylist", Category::advertising, home / "lists" / "easylist.txt",
       options.system_list_dir / "easylist.txt"},
      {"easyprivacy", Category::tracking, home / "lists" / "easyprivacy.txt",
       options.system_list_dir / "easyprivacy.txt"},
      {"custom", Category::custom, home / "filters" / "custom.txt", {}},
      {"learned", Category::learned, home / "lists" / "learned.txt", {}},
  };
}

// The built-in social list sits after the packaged lists, before the user's own.
constexpr std::size_t kSocialPosition = 2;
}  // namespace

std::vector<CatalogueEntry> default_catalogue(const fs::path& home,
                                              const CatalogueOptions& options) {
  std::vector<CatalogueEntry> out;
  std::error_code ec;
  for (const FileList& list : file_lists(home, options)) {
    if (options.include_social && out.size() == kSocialPosition) {
      CatalogueEntry e;
      e.name = "social";
      e.category = Category::social;
      e.builtin = builtin_social_list();
      e.origin = "builtin";
      e.present = true;
      out.push_back(std::move(e));
    }
    CatalogueEntry e;
    e.name = list.name;
    e.category = list.category;
    if (fs::is_regular_file(list.home_path, ec)) {
      e.path = list.home_path;
      e.origin = "home";
      e.present = true;
    } else if (!list.system_path.empty() && fs::is_regular_file(list.system_path, ec)) {
      e.path = list.system_path;
      e.origin = "system";
      e.present = true;
    } else {
      e.path = list.home_path;
      e.origin = "home";
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<fs::path> catalogue_files(const fs::path& home, const CatalogueOptions& options) {
  std::vector<fs::path> out;
  for (FileList& list : file_lists(home, options)) {
    out.push_back(std::move(list.home_path));
    if (!list.system_path.empty()) out.push_back(std::move(list.system_path));
  }
  return out;
}

std::uint64_t content_hash(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

namespace {
std::int64_t mtime_ns(const fs::path& p, std::error_code& ec) {
  const auto t = fs::last_write_time(p, ec);
  if (ec) return 0;
  return static_cast<std::int64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}
}  // namespace

std::vector<SourceFingerprint> stat_catalogue(const std::vector<CatalogueEntry>& entries) {
  std::vector<SourceFingerprint> out;
  for (const CatalogueEntry& e : entries) {
    if (!e.present) continue;
    SourceFingerprint f;
    f.name = e.name;
    if (e.path.empty()) {
      f.size = e.builtin.size();
      f.hash = content_hash(e.builtin);
    } else {
      std::error_code ec;
      f.size = fs::file_size(e.path, ec);
      if (ec) f.size = 0;
      f.mtime_ns = mtime_ns(e.path, ec);
    }
    out.push_back(std::move(f));
  }
  return out;
}

LoadedCatalogue read_catalogue(const std::vector<CatalogueEntry>& entries) {
  LoadedCatalogue out;
  for (const CatalogueEntry& e : entries) {
    if (!e.present) continue;
    ListSource s;
    s.name = e.name;
    s.category = e.category;
    SourceFingerprint f;
    f.name = e.name;
    if (e.path.empty()) {
      s.text = std::string(e.builtin);
    } else {
      std::error_code ec;
      f.mtime_ns = mtime_ns(e.path, ec);
      std::ifstream in(e.path, std::ios::binary);
      if (!in) throw Error(ErrorCode::io_error, "cannot read the list " + e.path.string());
      std::ostringstream ss;
      ss << in.rdbuf();
      s.text = std::move(ss).str();
    }
    f.size = s.text.size();
    f.hash = content_hash(s.text);
    out.sources.push_back(std::move(s));
    out.fingerprints.push_back(std::move(f));
  }
  return out;
}

}  // namespace optguard::filters
