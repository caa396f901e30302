#pragma once
// The compiled cache: the engine's image written to <home>/cache/engine.bin and mapped
// back at start (no parsing, no per-filter allocation: loading costs a few page faults).
//
// The file is the Matcher image itself: magic "OGMATCH1", kImageFormatVersion (bumped on
// any layout change), and the fingerprints (name, size, mtime, FNV-1a hash) of the lists it
// was built from. The cache is used only when the catalogue's present lists have the same
// names and sizes, and either the same mtimes or (when an mtime moved) the same content hash.
// A missing, old, corrupt or stale cache is rebuilt and rewritten, never fatal; a cache that
// cannot be written is skipped (logged in `rebuild_reason`).
//
// Example: CacheResult r = load_or_build(home); r.engine.match(...);

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "filters/catalogue.hpp"
#include "filters/engine.hpp"

namespace optguard::filters {

std::filesystem::path cache_path(const std::filesystem::path& home);

// Maps a cache file and validates its header; nullopt if missing, corrupt or another version.
std::optional<Engine> read_cache_file(const std::filesystem::path& path,
                                      std::string* why = nullptr);

// Writes the engine image atomically (temp file + rename), mode 0600. Throws Error(io_error).
void write_cache_file(const std::filesystem::path& path, const Engine& engine);

// True when a cached engine's fingerprints still describe the catalogue.
bool cache_is_fresh(const Engine& cached, const std::vector<CatalogueEntry>& entries);

struct CacheResult {
  Engine engine;
  bool from_cache = false;
  double load_ms = 0;          // mapping + validating the cache (0 when built)
  double build_ms = 0;         // reading + parsing + compiling the lists (0 when cached)
  std::string rebuild_reason;  // why the cache was not used ("" when it was)
};

// The engine for `home`'s catalogue: from the cache when fresh, else built and cached.
CacheResult load_or_build(const std::filesystem::path& home,
                          const CatalogueOptions& options = default_catalogue_options());

// Rebuilds from the lists and rewrites the cache (after lists_update / custom filter edits).
CacheResult rebuild(const std::filesystem::path& home,
                    const CatalogueOptions& options = default_catalogue_options());

}  // namespace optguard::filters
