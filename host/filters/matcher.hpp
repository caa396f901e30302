#pragma once
// The compiled matcher: every network filter of every list laid out in one flat,
// position-independent image (the same bytes are the compiled cache file), plus the
// indexes that make a request cost a handful of hash probes instead of a scan:
//
//  * hostname index  — `||host^` / hosts-file filters by a hash of the hostname; a request
//                      probes each label suffix of its hostname (a.b.example.com, b.example.com,
//                      ...)
//  * token index     — other filters by one token of their pattern (a maximal run of
//                      [a-z0-9%], keyed on its first 7 characters, chosen as uBlock Origin
//                      does; when that token is bounded by literal separators, any other such
//                      token gives the same matches and the least shared one is taken); a
//                      request probes each token of its URL (first 2048 characters). Each
//                      candidate carries a few pattern characters around its token, checked
//                      before the filter record is read.
//  * document index  — filters with no usable token (or only common ones: `com`, `1`) but a
//                      `domain=` list, by those domains; a request probes each label suffix
//                      of its document's hostname
//  * the few filters with neither, checked for every request.
//  A presence filter in front of each index (about 16 bits per key, at most 1 Mibit; three
//  bits per key in one 64-bit word) rejects most probes without a lookup; each bucket carries the
//  union of its filters' request types (a request of another type skips it). A long `domain=` list
//  is looked up by hash, not scanned. Hostnames are keyed by a hash over their labels read right to
//  left, so all the label suffixes of a hostname are keyed in one pass.
//  A request's probes are planned before any bucket is read: all its suffix and token keys
//  first, then presence words, slots and candidates each prefetched a round before they are
//  read (a probe's bit, slot and candidates were three misses in a row); buckets are still
//  visited in the order above.
//
// Semantics follow uBlock Origin's static network filtering: an `important` block wins;
// otherwise a block is overridden by any matching exception (verdict allow); `badfilter`
// removes its twin at build time; categories switched off disable their block filters
// (exceptions of every list always apply, as in uBO where exceptions are global).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "filters/filter.hpp"
#include "filters/parser.hpp"
#include "filters/request.hpp"

namespace optguard::filters {

enum class Decision : std::uint8_t { none, block, allow };

using CategoryMask = std::uint8_t;
inline constexpr CategoryMask kAllCategories = (1U << kCategoryCount) - 1;
constexpr CategoryMask category_bit(Category c) {
  return static_cast<CategoryMask>(1U << static_cast<unsigned>(c));
}

inline constexpr std::uint32_t kNoFilter = 0xFFFFFFFFU;

// Image format version: bump on ANY change to the layout or to what the builder emits.
inline constexpr std::uint32_t kImageFormatVersion = 16;

// One source list handed to the builder.
struct ListSource {
  std::string name;
  Category category = Category::custom;
  std::string text;
};

// A fingerprint of a source list, stored in the image for cache invalidation.
struct SourceFingerprint {
  std::string name;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t hash = 0;
};

struct ListStats {
  std::string name;
  Category category = Category::custom;
  std::uint32_t lines = 0;
  std::uint32_t loaded = 0;   // network filters in the engine (after badfilter)
  std::uint32_t skipped = 0;  // lines that are not enforced network filters (all reasons but empty)
  std::uint32_t badfiltered = 0;  // filters cancelled by a `$badfilter` (in any list)
  std::uint32_t skipped_by_reason[kSkipReasonCount] = {};
};

struct MatchResult {
  Decision decision = Decision::none;
  std::uint32_t filter = kNoFilter;  // index of the deciding filter
};

// Read-only bytes holding an image: owned memory or a mapped file.
class ImageBytes {
 public:
  virtual ~ImageBytes() = default;
  virtual std::span<const std::byte> bytes() const = 0;
};

class Matcher {
 public:
  // Builds the image from lists (parses every line; never throws on list content).
  static Matcher build(const std::vector<ListSource>& sources,
                       const std::vector<SourceFingerprint>& fingerprints = {});
  // Adopts an image (e.g. a mapped cache file). Throws std::runtime_error if malformed.
  static Matcher from_image(std::shared_ptr<const ImageBytes> image);

  MatchResult match(const Request& request, CategoryMask enabled = kAllCategories) const;

  std::size_t filter_count() const;
  std::string_view filter_text(std::uint32_t filter) const;
  Category filter_category(std::uint32_t filter) const;
  std::string_view filter_list(std::uint32_t filter) const;
  bool filter_important(std::uint32_t filter) const;
  std::vector<ListStats> lists() const;
  std::vector<SourceFingerprint> fingerprints() const;
  std::span<const std::byte> image() const;

  // Index statistics (for tests and `bench`).
  struct IndexStats {
    std::size_t host_filters = 0, token_filters = 0, doc_filters = 0, any_filters = 0;
  };
  IndexStats index_stats() const;
  // The filters checked for every request (no index key): ideally none.
  std::vector<std::uint32_t> unindexed_filters() const;

  Matcher();
  ~Matcher();
  Matcher(Matcher&&) noexcept;
  Matcher& operator=(Matcher&&) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace optguard::filters
