#pragma once
// Which lists the engine is built from, in order:
//   easylist    (advertising) <home>/lists/easylist.txt if present, else Debian's packaged copy
//   easyprivacy (tracking)    <home>/lists/easyprivacy.txt if present, else Debian's packaged copy
//   social      (social)      built into the binary (host/filters/lists/social.txt)
//   custom      (custom)      <home>/filters/custom.txt
//   learned     (learned)     <home>/lists/learned.txt
// A list whose file is missing is left out (it shows as absent in `optguard lists`).
//
// Example: auto entries = default_catalogue(home); auto loaded = read_catalogue(entries);
//          Engine::build(loaded.sources, loaded.fingerprints);

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "filters/matcher.hpp"

namespace optguard::filters {

// Debian's packaged EasyList / EasyPrivacy (package webext-ublock-origin-chromium).
inline constexpr std::string_view kDebianListDir =
    "/usr/share/chromium/extensions/ublock-origin/assets/thirdparties/easylist";

struct CatalogueEntry {
  std::string name;
  Category category = Category::custom;
  std::filesystem::path path;  // empty for a built-in list
  std::string_view builtin;    // the text of a built-in list
  std::string origin;          // "home", "system", "builtin"
  bool present = false;
};

struct CatalogueOptions {
  // Where the system copies of easylist.txt / easyprivacy.txt live; $OPTGUARD_SYSTEM_LISTS
  // overrides kDebianListDir (tests point it at fixtures).
  std::filesystem::path system_list_dir;
  bool include_social = true;
};
CatalogueOptions default_catalogue_options();

std::vector<CatalogueEntry> default_catalogue(
    const std::filesystem::path& home,
    const CatalogueOptions& options = default_catalogue_options());

// Every file whose appearance, change or removal changes the catalogue or a list's text: the
// home and the system copy of each list read from a file (built-in lists cannot change).
std::vector<std::filesystem::path> catalogue_files(
    const std::filesystem::path& home,
    const CatalogueOptions& options = default_catalogue_options());

// Cheap fingerprints (size + mtime; the hash only for built-in text) of the present entries.
std::vector<SourceFingerprint> stat_catalogue(const std::vector<CatalogueEntry>& entries);

struct LoadedCatalogue {
  std::vector<ListSource> sources;
  std::vector<SourceFingerprint> fingerprints;  // with content hashes
};
// Reads every present entry. Throws Error(io_error) if a present file cannot be read.
LoadedCatalogue read_catalogue(const std::vector<CatalogueEntry>& entries);

// 64-bit FNV-1a of a list's content.
std::uint64_t content_hash(std::string_view text);

}  // namespace optguard::filters
