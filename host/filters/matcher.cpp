#include "filters/matcher.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <mutex>
#include <optional>
#include <regex>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace optguard::filters {
namespace {

// ---------------------------------------------------------------------------------------------
// Image layout (all little-endian host order, every section 8-byte aligned)

constexpr char kMagic[8] = {'O', 'G', 'M', 'A', 'T', 'C', 'H', '1'};

enum Section : std::uint32_t {
  kStrings,
  kFilters,
  kDomains,
  kHostSlots,
  kHostIds,
  kHostBits,
  kTokenSlots,
  kTokenIds,
  kTokenBits,
  kDocSlots,
  kDocIds,
  kDocBits,
  kAnySlot,
  kAnyIds,
  kLists,
  kFingerprints,
  kTokenChecks,
  kDomainHashes,
  kTokenEdges,
  kSectionCount
};

struct SectionRec {
  std::uint64_t offset;
  std::uint64_t size;
};

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t section_count;
  std::uint64_t total_size;
  std::uint32_t regex_count;
  std::uint32_t reserved;
  SectionRec sections[kSectionCount];
};

enum FilterFlag : std::uint16_t {
  kFlagException = 1,
  kFlagImportant = 2,
  kFlagRight = 4,
  kFlagCase = 8,
  kFlagRedirect = 16,
  kFlagGeneric = 32,  // the pattern has `*` or `^`: matched as a glob over the whole URL
  kFlagFrom = 64,
  kFlagTo = 128,
  kFlagDeny = 256,
  kFlagEntity = 512,  // a domain list holds an entity (`example.*`) entry
  // A generic pattern whose token is bounded (see token_bounded): every match of the pattern
  // has the token at a URL token position, so it is matched there only, not over the URL.
  kFlagAnchored = 1024,
};

struct FilterRec {
  std::uint32_t raw_off, raw_len, pat_off, pat_len, types, dom_begin, regex;
  std::uint16_t dom_count, list, token_beg, flags;
  std::uint8_t kind, party, category, dom_info;
};

// FilterRec::dom_info bits.
enum DomInfo : std::uint8_t {
  kDomFromInclude = 1,  // `domain=` has an entry without `~`
  kDomToInclude = 2,    // `to=` has an entry without `~`
  kDomHashed = 4,       // the filter's domain entries are sorted by hash (a long list)
};
// Lists longer than this are looked up by hash (each label suffix of the host), not scanned.
constexpr std::uint16_t kLinearDomains = 8;
static_assert(sizeof(FilterRec) == 40);

enum DomainWhich : std::uint8_t { kFromInclude, kFromExclude, kToInclude, kToExclude, kDenyAllow };

struct DomainRec {
  std::uint32_t off;
  std::uint16_t len;
  std::uint8_t which;
  std::uint8_t entity;
};
static_assert(sizeof(DomainRec) == 8);

// One bucket of an index: filters [begin, begin+count) of the id array, ordered important
// blocks, blocks, exceptions; `types` is the union of their request types (a request of
// another type skips the bucket). Keys are 32-bit hashes: a collision only adds candidates,
// as every candidate's pattern is verified.
struct Slot {
  std::uint32_t key;
  std::uint32_t begin;
  std::uint16_t count, n_important, n_block, types;
};
static_assert(sizeof(Slot) == 16);

// One candidate filter in a bucket, with what rejects most candidates without touching the
// filter table (4 MiB for the real lists: each record read there is a cache miss):
//  * types and category (of the filter record; kept equal by the builder);
//  * for a literal pattern checked at the URL token's position (pattern_matches_at), the
//    non-token characters just before and just after the pattern's token (0: no check).
//    Both compare exactly a character that pattern_matches_at would compare.
struct Cand {
  std::uint32_t id;
  std::uint16_t types_cat;  // request type bits 0..12, category in bits 13..15
  std::uint8_t pre, post;
};
static_assert(sizeof(Cand) == 8);
static_assert(kAllTypes < (1U << 13));
// Beside each token-index candidate (a parallel array): up to 6 more characters of the
// pattern at fixed offsets from the token (mask bit k: compare c[k] at token position + off
// + k, case-folded), all from the `*`-free stretch of the pattern holding the token, so
// checked without touching the filter table or the pattern text. A prefilter like pre/post:
// false only when the filter cannot match at that token.
struct Chk {
  std::int8_t off;
  std::uint8_t mask;
  char c[6];
};
static_assert(sizeof(Chk) == 8 && offsetof(Chk, c) == 2);

// The classes of the characters next to a token (a pattern's pre/post checks, the URL's
// characters around a token), taken of `c | 0x20` as the URL tokenizer stores characters:
// 0 for no character (the URL's start or end) and the token characters, 1..14 for the
// characters found next to tokens in the lists' patterns (in EasyList + EasyPrivacy, all but
// 27 of the 18,476 pre/post checks are one of `. / - _ ? = &`), 15 for every other one.
// Used by the edge sets and by the token keys (see NextCharSalts below).
struct TokenEdgeClasses {
  static constexpr std::size_t kCount = 16;
  static constexpr std::uint32_t kAll = 0xFFFF;  // a set of every class
  std::array<std::uint8_t, 256> of{};            // by folded character
  constexpr TokenEdgeClasses() {
    // `_` `@` `^` `\` fold to DEL, a backquote, `~` and `|`.
    constexpr std::string_view kOwn = "./-\x7F?=&:;,`~!|";
    for (unsigned c = 0; c < 256; ++c) {
      const bool token = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '%';
      of[c] = (c == 0 || token) ? 0 : kCount - 1;
    }
    for (std::size_t i = 0; i < kOwn.size(); ++i)
      of[static_cast<unsigned char>(kOwn[i])] = static_cast<std::uint8_t>(i + 1);
  }
  constexpr std::uint8_t operator()(char c) const {
    return of[static_cast<unsigned char>(c) | 0x20U];
  }
};
constexpr TokenEdgeClasses kEdgeClass;

inline std::uint16_t cand_types(const Cand& c) {
  return static_cast<std::uint16_t>(c.types_cat & 0x1FFF);
}
inline std::uint8_t cand_category(const Cand& c) {
  return static_cast<std::uint8_t>(c.types_cat >> 13);
}

struct ListRec {
  std::uint32_t name_off, name_len;
  std::uint32_t category, lines, loaded, skipped, badfiltered, badfilters;
  std::uint32_t reasons[kSkipReasonCount];
  std::uint32_t pad;
};

struct FingerprintRec {
  std::uint32_t name_off, name_len;
  std::uint64_t size;
  std::int64_t mtime_ns;
  std::uint64_t hash;
};

// 2^20 bits (128 KiB) per index: the hostname index holds ~95,000 keys for EasyList +
// EasyPrivacy, and a 64 Kibit set let 86 % of its probes through to the (2 MiB) slot table.
// Sized to the index: 2^k bits, about 16 per key, k in [6, 20]. A blocked filter: a key's top
// k - 6 bits pick a 64-bit word and its low 16 bits three bits in it (see PairTable), all
// set for a present key (one bit per key let ~6 % of absent host suffixes through to a slot
// probe, a cache miss in the 2 MiB table; three in one word, ~1 %, for the same one load).
// The loader takes k from the section's size (a power of two of 64-bit words).
constexpr unsigned kMinBitsetLog = 6;
constexpr unsigned kMaxBitsetLog = 20;
struct Bitset {
  const std::uint64_t* words = nullptr;
  unsigned shift = 32;      // 32 - k
  std::uint64_t count = 1;  // 2^(k - 6) words
};
constexpr std::uint16_t kNoToken = 0xFFFF;
constexpr std::size_t kMaxTokenChars = 7;
constexpr std::size_t kMaxTokenizedUrl = 2048;
constexpr std::size_t kMaxRegexUrl = 8192;

// ---------------------------------------------------------------------------------------------
// Character classes and hashes

struct CharTables {
  std::array<std::uint8_t, 256> token{};  // 1 + index for [0-9%a-z] (A-Z folded), 0 otherwise
  std::array<char, 256> fold{};
  std::array<bool, 256> separator{};
  constexpr CharTables() {
    for (int c = 0; c < 256; ++c) {
      fold[c] = static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
      const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      token[c] = (alnum || c == '%') ? static_cast<std::uint8_t>(fold[c]) : 0;
      separator[c] = !(alnum || c == '_' || c == '-' || c == '.' || c == '%');
    }
  }
};
constexpr CharTables kChars;

inline std::uint8_t uc(char c) {
  return static_cast<std::uint8_t>(c);
}

// s[pos, pos + len) for a range known to be inside s (an image's validated offsets, a
// Request's host bounds; Request::hostname() avoids substr the same way). string_view::substr
// checks the range and may throw, and GCC keeps it out of line: ten calls of ~10 instructions per
// request on the match path.
inline std::string_view view_of(std::string_view s, std::size_t pos, std::size_t len) {
  return {s.data() + pos, len};
}

// Key of a token: its first 7 characters (folded), as uBlock Origin keys its buckets. `packed`
// holds them as bytes in memory order (unused bytes zero), as the URL tokenizer loads them.
inline std::uint32_t token_key(std::uint64_t packed) {
  std::uint64_t k = packed * 0x9E3779B97F4A7C15ULL;
  k ^= k >> 29;
  return static_cast<std::uint32_t>(k >> 32) | 1U;
}

// The token index keys a token of up to kMaxTokenChars characters together with the class
// (TokenEdgeClasses) of the character just after it: a bucket holds the filters whose pattern
// has a character of that class after the token, or none. A URL token then probes only the
// bucket of its own next character, and the filters wanting another one are not read at all (on the
// corpus, 2.9 probes a request instead of 5.1, 2.6 candidates instead of 4.0). A token of
// kMaxTokenChars + 1 or more characters (its next character is not in the 8 the tokenizer
// reads) and a token at the URL's end are keyed with class 0, as are the token characters
// themselves. A filter with no check of the character after its token (`^`, `*`, the
// pattern's end, a regex) is put in the bucket of every class. Each class flips fixed bits
// of the key (class 0 none), so the tokenizer adds it with one table load and an xor.
struct NextCharSalts {
  std::array<std::uint32_t, TokenEdgeClasses::kCount> salt{};
  std::array<std::uint32_t, 256> of{};  // salt[kEdgeClass.of[c]]: one load on the hot path
  constexpr NextCharSalts() {
    // Random 32-bit values with bit 0 clear (every key has bit 0 set: 0 marks an empty slot).
    salt = {0,           0x8F3A5C2EU, 0x3C6EF372U, 0xA54FF53AU, 0x510E527EU, 0x9B05688CU,
            0x1F83D9AAU, 0x5BE0CD18U, 0xCBBB9D5CU, 0x629A2928U, 0x9159015AU, 0x152FECD8U,
            0x67332666U, 0x8EB44A86U, 0xDB0C2E0CU, 0x47B5481CU};
    for (std::size_t c = 0; c < of.size(); ++c) of[c] = salt[kEdgeClass.of[c]];
  }
};
constexpr NextCharSalts kNextChar;
static_assert(std::all_of(kNextChar.salt.begin(), kNextChar.salt.end(),
                          [](std::uint32_t v) { return (v & 1U) == 0; }));

// Keys of host names and their label suffixes: a hash over the labels read right to left,
// so the suffixes of a host (com, example.com, a.example.com) share the work; a label of up
// to 8 characters costs one load and one multiply (a byte-at-a-time hash cost one multiply
// per character, twice per request).
constexpr std::uint64_t kSuffixSeed = 0x9E3779B97F4A7C15ULL;
constexpr std::uint64_t kSuffixMul = 0xbf58476d1ce4e5b9ULL;
// The state is mixed (MurmurHash3's finaliser) before its top 32 bits are taken (folding an
// FNV state as h ^ (h >> 32) had made the key of the suffix `com` equal to that of
// `||0.0.0.1^`: a probe and a candidate for 43 % of the corpus).
inline std::uint32_t host_key(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return static_cast<std::uint32_t>(h >> 32) | 1U;
}
// s[p, p + len), len < 8, as the low bytes of a word (the first character lowest), read
// without leaving s.
inline std::uint64_t load_label_bytes(std::string_view s, std::size_t p, std::size_t len) {
  std::uint64_t w = 0;
  if constexpr (std::endian::native == std::endian::little) {
    if (p + len >= 8) {
      std::memcpy(&w, s.data() + p + len - 8, sizeof(w));
      return len == 0 ? 0 : w >> (64 - 8 * len);
    }
    if (p + 8 <= s.size()) {
      std::memcpy(&w, s.data() + p, sizeof(w));
      return w & ((1ULL << (8 * len)) - 1);
    }
  }
  for (std::size_t k = 0; k < len; ++k) w |= std::uint64_t{uc(s[p + k])} << (8 * k);
  return w;
}
// The state after the label s[p, p + len).
inline std::uint64_t label_step(std::uint64_t h, std::string_view s, std::size_t p,
                                std::size_t len) {
  h = (h ^ len) * kSuffixMul;
  for (; len >= 8; p += 8, len -= 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + p, sizeof(w));
    h = (h ^ w) * kSuffixMul;
    h ^= h >> 29;
  }
  if (len != 0) {
    h = (h ^ load_label_bytes(s, p, len)) * kSuffixMul;
    h ^= h >> 29;
  }
  return h;
}
// Calls fn(key, begin) for each suffix host[begin..] that starts a label (begin == 0 or
// host[begin - 1] == '.'), shortest first, except the empty one, until fn returns true.
template <typename Fn>
inline bool for_each_suffix_key(std::string_view host, Fn&& fn) {
  std::uint64_t h = kSuffixSeed;
  std::size_t end = host.size();
  while (true) {
    std::size_t b = end;
    while (b > 0 && host[b - 1] != '.') --b;
    h = label_step(h, host, b, end - b);
    if (b != host.size() && fn(host_key(h), b)) return true;
    if (b == 0) return false;
    end = b - 1;
  }
}
// The key of a whole name (what for_each_suffix_key gives for its suffix at 0).
std::uint32_t reverse_hash(std::string_view s) {
  std::uint64_t h = kSuffixSeed;
  for (std::size_t end = s.size();;) {
    std::size_t b = end;
    while (b > 0 && s[b - 1] != '.') --b;
    h = label_step(h, s, b, end - b);
    if (b == 0) return host_key(h);
    end = b - 1;
  }
}

// Single bits and masks by table: x86-64 without BMI2 (the baseline these builds target) has
// no one-instruction shift by a variable count (`shl r, cl` is several micro-ops and waits on
// the flags), and the presence tests alone make about a hundred such shifts per request
// (about 7 % of a request's time, measured against the same code built with -mbmi2).
struct ShiftTables {
  std::array<std::uint64_t, 64> bit{};   // 1 << i
  std::array<std::uint64_t, 65> low{};   // the i low bits set
  std::array<std::uint64_t, 64> from{};  // bits i.. set
  constexpr ShiftTables() {
    for (unsigned i = 0; i < 64; ++i) {
      bit[i] = 1ULL << i;
      low[i] = bit[i] - 1;
      from[i] = ~low[i];
    }
    low[64] = ~0ULL;
  }
};
constexpr ShiftTables kShift;

// The keys for_each_suffix_key gives, in the same order, into keys[0..n) (n returned), for the
// hostname text[begin, begin + n) of at most kFastHost characters with at most kMaxKeys labels;
// -1 otherwise (the caller then uses for_each_suffix_key). The dots are found 16 characters at
// a time into a bit mask and each label of up to 8 characters read with one load: the
// character loop and its branches cost as much as a token lookup (twice per request).
// The host is read in place, in `text` (its URL: the scheme is before it), when every load
// stays inside it. A zero-padded copy is made only otherwise: the 16- and 8-byte loads that
// straddle the copy's stores cannot be forwarded from them and wait for the stores to reach
// the cache, twice per request (a request and its document).
constexpr std::size_t kFastHost = 64;
template <std::size_t kMaxKeys>
inline int suffix_keys(std::string_view text, std::size_t begin, std::size_t n,
                       std::uint32_t (&keys)[kMaxKeys]) {
  const std::string_view host = view_of(text, begin, n);
  if (n == 0 || n > kFastHost) return n == 0 ? 0 : -1;
  // host[i] is at base + 8 + i; 16-byte loads may read up to `limit` characters from the
  // host's start (a load that would pass it is moved back), a label's load the 8 before the
  // label's end (within the 8 before the host at worst).
  alignas(16) char copy[8 + kFastHost + 24];
  const char* base = nullptr;
  std::size_t limit = 0;
  if (begin >= 8 && text.size() >= 16) {
    base = text.data() + begin - 8;
    limit = text.size() - begin;
  } else {
    std::memset(copy, 0, sizeof(copy));
    std::memcpy(copy + 8, host.data(), n);
    base = copy;
    limit = kFastHost + 16;
  }
  std::uint64_t dots = 0;
  for (std::size_t q = 0; q < n; q += 16) {
    // The 16 characters from q, or the 16 ending at `limit` (then shifted down to q).
    const std::size_t back = q + 16 <= limit ? 0 : q + 16 - limit;
    const char* chunk = base + 8 + q - back;
#if defined(__SSE2__)
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(chunk));
    const auto bits =
        static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('.')))) >>
        back;
#else
    std::uint32_t bits = 0;
    for (std::size_t b = back; b < 16; ++b)
      bits |= static_cast<std::uint32_t>(chunk[b] == '.') << (b - back);
#endif
    dots |= static_cast<std::uint64_t>(bits) << q;
  }
  if (n < 64) dots &= (1ULL << n) - 1;  // the characters after the host
  std::uint64_t h = kSuffixSeed;
  std::size_t end = n;
  int count = 0;
  while (true) {
    // The label [b, end): b is just after the last dot before end (or 0).
    const std::uint64_t before = dots & kShift.low[end];
    const std::size_t b = before == 0 ? 0 : 64 - static_cast<std::size_t>(__builtin_clzll(before));
    const std::size_t len = end - b;
    if (len <= 8 && std::endian::native == std::endian::little) {
      // The label's bytes as the low bytes of a word (what label_step reads), from the 8
      // bytes ending at `end`; an empty label mixes its length only, as label_step does.
      std::uint64_t w = 0;
      std::memcpy(&w, base + end, sizeof(w));
      h = (h ^ len) * kSuffixMul;
      if (len != 0) {
        w >>= 8 * (8 - len);
        h = (h ^ w) * kSuffixMul;
        h ^= h >> 29;
      }
    } else {
      h = label_step(h, host, b, len);
    }
    if (b != n) {
      if (count == static_cast<int>(kMaxKeys)) return -1;
      keys[count++] = host_key(h);
    }
    if (b == 0) return count;
    end = b - 1;
  }
}

// The word of `key` (a 64-bit shift: for k = 6 it is 32) and its three bits in it (bit 0 of
// every key is set, so the fields start at bit 1; see PairTable).
inline std::size_t bit_word(unsigned shift, std::uint32_t key) {
  return static_cast<std::size_t>(std::uint64_t{key} >> (shift + 6));
}
// Two of a key's three bits from one table lookup (key bits 1..9: the first bit anywhere in
// the word, the second 1 + 7j places after it, j in 0..7), the third from key bits 10..15:
// two loads for the mask instead of three, in a test made ~25 times per request (its mask
// was ~7 % of a request's instructions). 4 KiB, read-only, shared by builder and matcher.
struct PairTable {
  std::array<std::uint64_t, 512> pair{};
  constexpr PairTable() {
    for (unsigned i = 0; i < 512; ++i) {
      const unsigned a = i & 63;
      const unsigned b = (a + 1 + 7 * (i >> 6)) & 63;
      pair[i] = (1ULL << a) | (1ULL << b);
    }
  }
};
constexpr PairTable kPairs;
inline std::uint64_t bit_mask(std::uint32_t key) {
  return kPairs.pair[(key >> 1) & 511] | kShift.bit[(key >> 10) & 63];
}
// bit_word with a multiply for the shift: key * 2^(k - 6) >> 32 is key >> (32 - k + 6).
inline std::size_t bit_word(const Bitset& bits, std::uint32_t key) {
  return static_cast<std::size_t>((std::uint64_t{key} * bits.count) >> 32);
}
inline bool bit_test(const Bitset& bits, std::uint32_t key) {
  const std::uint64_t m = bit_mask(key);
  return (bits.words[bit_word(bits, key)] & m) == m;
}
inline void bit_set(std::vector<std::uint64_t>& bits, unsigned shift, std::uint32_t key) {
  bits[bit_word(shift, key)] |= bit_mask(key);
}

const Slot* slot_find(std::span<const Slot> slots, std::uint32_t key) {
  if (slots.empty()) return nullptr;
  const std::size_t mask = slots.size() - 1;
  for (std::size_t i = key & mask;; i = (i + 1) & mask) {
    const Slot& s = slots[i];
    if (s.key == key) return &s;
    if (s.key == 0) return nullptr;
  }
}

// Tokens common in URLs, with uBlock Origin's badness figures.
constexpr std::pair<std::string_view, int> kBadTokens[] = {
    {"https", 123617},  {"com", 76987},    {"js", 43620},        {"www", 33129},
    {"jpg", 32221},     {"images", 31812}, {"css", 19715},       {"png", 19140},
    {"static", 15724},  {"net", 15239},    {"de", 13155},        {"img", 11109},
    {"assets", 10746},  {"min", 7807},     {"cdn", 7568},        {"content", 6900},
    {"wp", 6444},       {"fonts", 6095},   {"svg", 5976},        {"http", 5813},
    {"ssl", 5735},      {"amazon", 5440},  {"ru", 5427},         {"fr", 5199},
    {"facebook", 5178}, {"en", 5146},      {"image", 5028},      {"html", 4837},
    {"media", 4833},    {"co", 4783},      {"php", 3972},        {"2019", 3943},
    {"org", 3924},      {"jquery", 3531},  {"02", 3438},         {"api", 3382},
    {"gif", 3350},      {"eu", 3322},      {"prod", 3289},       {"woff2", 3200},
    {"logo", 3194},     {"themes", 3107},  {"icon", 3048},       {"google", 3026},
    {"v1", 3019},       {"uploads", 2963}, {"googleapis", 2860}, {"v3", 2816},
    {"tv", 2762},       {"icons", 2748},   {"core", 2601},       {"gstatic", 2581},
    {"ac", 2509},
};

constexpr int kOneCharBadness = 33000;  // between `jpg` (32221) and `www` (33129)

int token_badness(std::string_view t) {
  static const std::unordered_map<std::string_view, int> kBad(std::begin(kBadTokens),
                                                              std::end(kBadTokens));
  if (t.size() <= 1) return 1;
  const auto it = kBad.find(t);
  return it == kBad.end() ? 0 : it->second;
}

// The badness of the bucket a token is keyed in: that of the worst listed token with the
// same first kMaxTokenChars characters (URL tokens `content` and `contentiq` probe one
// bucket, so `contentiq` in a pattern is as bad as `content`).
int key_badness(std::string_view t) {
  if (t.size() < kMaxTokenChars) return token_badness(t);
  static const std::unordered_map<std::string_view, int> kBadKeys = [] {
    std::unordered_map<std::string_view, int> out;
    for (const auto& [w, bad] : kBadTokens) {
      if (w.size() < kMaxTokenChars) continue;
      int& b = out[w.substr(0, kMaxTokenChars)];
      b = std::max(b, bad);
    }
    return out;
  }();
  const auto it = kBadKeys.find(t.substr(0, kMaxTokenChars));
  return std::max(token_badness(t), it == kBadKeys.end() ? 0 : it->second);
}

std::uint64_t token_hash(std::string_view t) {
  char bytes[8] = {};
  for (std::size_t i = 0; i < t.size() && i < kMaxTokenChars; ++i)
    bytes[i] = static_cast<char>(kChars.token[uc(t[i])]);
  std::uint64_t packed = 0;
  std::memcpy(&packed, bytes, sizeof(packed));
  return packed;
}

// For each byte of a mask of token starts (no two are adjacent, so at most 4 in a byte): the
// places of its bits as four 16-bit lanes (the unused ones 0), and their count.
struct StartTable {
  std::array<std::uint64_t, 256> pos{};
  std::array<std::uint8_t, 256> count{};
  constexpr StartTable() {
    for (unsigned b = 0; b < 256; ++b) {
      unsigned k = 0;
      for (unsigned i = 0; i < 8; ++i) {
        if (((b >> i) & 1) == 0) continue;
        if (k < 4) pos[b] |= std::uint64_t{i} << (16 * k);
        ++k;
      }
      count[b] = static_cast<std::uint8_t>(k);
    }
  }
};
constexpr StartTable kStarts;

// The URL tokenizer. The token characters ([0-9%A-Za-z]) of the URL's first kMaxTokenizedUrl
// characters are found 16 at a time (SSE2) into a bit mask; a token (a maximal run of them)
// starts at each 0 -> 1 step of the mask. The same pass stores, per place, the character
// with bit 0x20 set and a token byte (0xFF for a token character), so that a token's key
// (its first kMaxTokenChars characters, folded) is two 8-byte loads from its start and a
// mask of the bytes before the first non-token one: no count of its characters, no branch
// for the URL's end (the token bytes past it are zero). Its end is found only when asked
// (for the few tokens whose key is in the index). The URL's chunks are read in place: the
// last, partial one is the 16 characters ending at the URL's end (only a URL shorter than
// 16 characters is copied, zero-padded: zero is no token character).
// The same pass also lists the token starts in a flat array (kStarts: a table lookup and one
// 8-byte store per 8 places, no branch), so that a request's tokens are one loop whose exit
// the branch predictor misses once. Walking the start mask word by word, a loop over each
// word's set bits, missed its exit once per 64 characters and the loop over the words once
// more (a TAGE model of the median requests: 11.8 mispredicted branches a request, 10.8
// with the flat array).
class UrlTokens {
 public:
  explicit UrlTokens(std::string_view url) : n_(std::min(url.size(), kMaxTokenizedUrl)) {
    s_ = url.data();
    if (n_ < 16) {
      if (n_ != 0) std::memcpy(small_, s_, n_);
      s_ = small_;
    }
    words_ = (n_ + 63) / 64;
    const std::size_t chunks = (n_ + 15) / 16;
    std::uint32_t carry = 0;
    for (std::size_t q = 0; q < chunks; ++q) {
      const std::size_t at = q * 16;
      // The last, partial chunk is loaded as the 16 characters ending at n and shifted.
      const std::size_t back = (at + 16 <= n_ || s_ == small_) ? 0 : at + 16 - n_;
      const char* chunk = s_ + at - back;
#if defined(__SSE2__)
      const auto in_range = [](__m128i x, char lo, char hi) {
        const __m128i t = _mm_add_epi8(x, _mm_set1_epi8(static_cast<char>(128 - lo)));
        return _mm_cmplt_epi8(t, _mm_set1_epi8(static_cast<char>(-128 + (hi - lo) + 1)));
      };
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(chunk));
      const __m128i alpha = in_range(_mm_or_si128(x, _mm_set1_epi8(0x20)), 'a', 'z');
      const __m128i digit = in_range(x, '0', '9');
      const __m128i pct = _mm_cmpeq_epi8(x, _mm_set1_epi8('%'));
      const __m128i tok = _mm_or_si128(_mm_or_si128(alpha, digit), pct);
      const auto bits = static_cast<std::uint32_t>(_mm_movemask_epi8(tok));
      // The same 16 places of tok_ and low_ (a partial chunk rewrites places before `at`
      // with the same bytes).
      _mm_storeu_si128(reinterpret_cast<__m128i*>(tok_ + at - back), tok);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(low_ + at - back),
                       _mm_or_si128(x, _mm_set1_epi8(0x20)));
#else
      std::uint32_t bits = 0;
      for (std::size_t b = 0; b < 16; ++b) {
        const bool t = kChars.token[uc(chunk[b])] != 0;
        bits |= static_cast<std::uint32_t>(t) << b;
        tok_[at - back + b] = t ? static_cast<char>(-1) : 0;
        low_[at - back + b] = static_cast<char>(chunk[b] | 0x20);
      }
#endif
      const std::uint32_t b16 = bits >> back;
      const std::uint64_t part = static_cast<std::uint64_t>(b16) << ((q & 3) * 16);
      mask_[q / 4] = (q & 3) == 0 ? part : mask_[q / 4] | part;
      const std::uint32_t st = b16 & ~((b16 << 1) | carry);
      carry = b16 >> 15;
      for (std::size_t half = 0; half < 2; ++half) {
        const unsigned byte = (st >> (8 * half)) & 0xFF;
        const std::uint64_t at8 = (at + 8 * half) * 0x0001000100010001ULL;
        const std::uint64_t four = kStarts.pos[byte] + at8;
        std::memcpy(&starts_[ntokens_], &four, sizeof(four));
        ntokens_ += kStarts.count[byte];
      }
    }
    // A token's 8-byte loads from its start may read 7 places past the end: no token there.
    std::memset(tok_ + n_, 0, 8);
    std::memset(low_ + n_, 0, 8);
  }

  // Calls fn(start, key) for each token from the from-th one (in URL order), until fn
  // returns true (then returns true).
  template <typename Fn>
  bool each(std::size_t from, Fn&& fn) const {
    for (std::size_t i = from; i < ntokens_; ++i) {
      if (fn(starts_[i], key_at(starts_[i]))) return true;
    }
    return false;
  }

  // The key of the token starting at `start` (token_key of its first kMaxTokenChars
  // characters, folded).
  std::uint32_t key_at(std::size_t start) const {
    // The 8 places from `start`: their characters with bit 0x20 set (every token character
    // folded: [0-9%] have it already) and their token bytes (0xFF or 0).
    std::uint64_t chars = 0, tok = 0;
    std::memcpy(&chars, low_ + start, sizeof(chars));
    std::memcpy(&tok, tok_ + start, sizeof(tok));
    std::uint64_t keep = 0;
    std::uint32_t salt = 0;
    if constexpr (std::endian::native == std::endian::little) {
      // The first non-token byte (its byte offset times 8 is that of its lowest bit); with
      // none among the 8, byte 7, a token character: class 0. The key keeps the bytes
      // before it, at most kMaxTokenChars of them.
      const unsigned at = static_cast<unsigned>(__builtin_ctzll(~tok | (1ULL << 63))) & 56U;
      keep = kShift.low[at];
      salt = kNextChar.of[static_cast<std::uint8_t>(low_[start + at / 8])];
    } else {
      char k[8] = {};
      std::size_t i = 0;
      for (; i < kMaxTokenChars && tok_[start + i] != 0; ++i) k[i] = -1;
      std::memcpy(&keep, k, sizeof(keep));
      if (tok_[start + i] == 0) salt = kNextChar.of[static_cast<std::uint8_t>(low_[start + i])];
    }
    return token_key(chars & keep) ^ salt;
  }

  std::size_t count() const {
    return ntokens_;
  }
  std::size_t start_of(std::size_t i) const {
    return starts_[i];
  }

  // The end of the token starting at `start`: the first non-token character after it (or
  // the end of the tokenized part).
  std::size_t end_of(std::size_t start) const {
    std::size_t w = start / 64;
    std::uint64_t z = ~mask_[w] & kShift.from[start % 64];
    while (z == 0) {
      if (++w == words_) return n_;
      z = ~mask_[w];
    }
    return std::min(w * 64 + static_cast<unsigned>(__builtin_ctzll(z)), n_);
  }

 private:
  std::size_t n_;
  std::size_t words_ = 0;
  // The token starts, in order (4 places more: each byte of a start mask writes 4 at once).
  std::size_t ntokens_ = 0;
  std::uint16_t starts_[kMaxTokenizedUrl / 2 + 4];
  const char* s_ = nullptr;
  alignas(16) char small_[32] = {};
  std::uint64_t mask_[kMaxTokenizedUrl / 64 + 1];
  // Per place of the tokenized URL (and 8 past it in tok_): its character | 0x20, and 0xFF
  // for a token character (0 otherwise). Written by the constructor up to n_ (+ 8) only.
  char low_[kMaxTokenizedUrl + 16];
  char tok_[kMaxTokenizedUrl + 16];
};

struct TokenChoice {
  std::uint32_t key = 0;
  std::uint16_t beg = kNoToken;
  int bad = 0;  // token_badness of the token chosen
};

// uBO's choice of token for a pattern: the first (least bad) run of token characters not
// touching a `*` (a run of 7+ characters may touch one at its end: only 7 are hashed).
TokenChoice pattern_token(std::string_view p) {
  TokenChoice best;
  int best_bad = 0x7FFFFFFF;
  std::size_t i = 0;
  std::string lowered;
  while (i < p.size()) {
    if (kChars.token[uc(p[i])] == 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < p.size() && kChars.token[uc(p[j])] != 0) ++j;
    lowered.assign(p.substr(i, j - i));
    for (char& c : lowered) c = kChars.fold[uc(c)];
    const int bad = token_badness(lowered);
    const bool before_star = i > 0 && p[i - 1] == '*';
    const bool after_star = (j - i) < kMaxTokenChars && j < p.size() && p[j] == '*';
    if (bad < best_bad && !before_star && !after_star && i < kNoToken) {
      best.key = token_key(token_hash(lowered));
      best.beg = static_cast<std::uint16_t>(i);
      best_bad = bad;
      if (bad == 0) break;
    }
    i = j;
  }
  return best;
}

// Is the token starting at `beg` of a (non-regex) pattern bounded: does every match of the
// pattern have, at the token's place, a URL token (a maximal run of token characters) with
// the same first kMaxTokenChars characters? True when the pattern character before it is a
// literal non-token character (`^` included: a separator; `*` excluded) or the pattern is
// anchored there (`|`: the URL's start; `||`: a host label start, after `.` or `/`), and the
// same holds after it (`|` at the end: the URL's end) or it has kMaxTokenChars characters.
// Then matching the pattern anywhere in the URL and matching it with its token at one of the
// URL's positions of that token are the same.
bool token_bounded(std::string_view p, PatternKind kind, bool right_anchored, std::size_t beg) {
  if (beg >= p.size() || kChars.token[uc(p[beg])] == 0) return false;
  std::size_t end = beg;
  while (end < p.size() && kChars.token[uc(p[end])] != 0) ++end;
  const bool left =
      beg == 0 ? (kind == PatternKind::left_anchored || kind == PatternKind::hostname_anchored)
               : p[beg - 1] != '*';  // p[beg - 1] is not a token character
  const bool right =
      end - beg >= kMaxTokenChars || (end == p.size() ? right_anchored : p[end] != '*');
  return left && right;
}

// A token of a regex that every match must contain as a whole URL token: a literal run of
// token characters bounded on both sides by literal non-token characters (or anchors).
// Conservative: groups, classes, escapes and quantified atoms are opaque; top-level
// alternation gives up.
TokenChoice regex_token(std::string_view re) {
  std::string s;  // literal chars; \x01 = unknown; \x02 = anchor
  int depth = 0;
  for (std::size_t i = 0; i < re.size(); ++i) {
    const char c = re[i];
    if (c == '\\' && i + 1 < re.size()) {
      const char e = re[++i];
      if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
        s += '\x01';  // \d \w \b \s \1 ...
      } else {
        s += e;
      }
      continue;
    }
    if (c == '[') {
      std::size_t j = i + 1;
      if (j < re.size() && re[j] == '^') ++j;
      if (j < re.size() && re[j] == ']') ++j;
      while (j < re.size() && re[j] != ']') {
        if (re[j] == '\\') ++j;
        ++j;
      }
      i = j;
      s += '\x01';
      continue;
    }
    if (c == '(') {
      // The whole group is opaque.
      int d = 1;
      std::size_t j = i + 1;
      while (j < re.size() && d > 0) {
        if (re[j] == '\\') {
          j += 2;
          continue;
        }
        if (re[j] == '[') {
          ++j;
          while (j < re.size() && re[j] != ']') {
            if (re[j] == '\\') ++j;
            ++j;
          }
        } else if (re[j] == '(') {
          ++d;
        } else if (re[j] == ')') {
          --d;
        }
        ++j;
      }
      i = j - 1;
      s += '\x01';
      continue;
    }
    if (c == '|') return {};  // top-level alternation
    if (c == '?' || c == '*' || c == '+' || c == '{') {
      if (!s.empty()) s.back() = '\x01';
      if (c == '{') {
        while (i < re.size() && re[i] != '}') ++i;
      }
      if (i + 1 < re.size() && re[i + 1] == '?') ++i;  // lazy quantifier
      continue;
    }
    if (c == '.') {
      s += '\x01';
      continue;
    }
    if (c == '^' || c == '$') {
      s += '\x02';
      continue;
    }
    s += c;
  }
  (void)depth;
  TokenChoice best;
  int best_bad = 0x7FFFFFFF;
  std::size_t best_len = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    if (kChars.token[uc(s[i])] == 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && kChars.token[uc(s[j])] != 0) ++j;
    const bool left_ok = i > 0 && s[i - 1] != '\x01';
    const bool right_ok = (j - i) >= kMaxTokenChars || (j < s.size() && s[j] != '\x01');
    if (left_ok && right_ok) {
      std::string t = s.substr(i, j - i);
      for (char& ch : t) ch = kChars.fold[uc(ch)];
      const int bad = token_badness(t);
      if (bad < best_bad || (bad == best_bad && t.size() > best_len)) {
        best.key = token_key(token_hash(t));
        best.beg = 0;
        best.bad = t.size() == 1 ? 0x7FFFFFFF : bad;
        best_bad = bad;
        best_len = t.size();
      }
    }
    i = j;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Pattern matching

inline bool char_eq(char p, char u, bool fold) {
  return p == u || (fold && p == kChars.fold[uc(u)]);
}

// Does `seg` (no `*`; `^` = separator or end of URL) match `url` at `pos`?
bool segment_at(std::string_view seg, std::string_view url, std::size_t pos, bool fold) {
  for (std::size_t k = 0; k < seg.size(); ++k) {
    const char p = seg[k];
    const std::size_t at = pos + k;
    if (p == '^') {
      if (at == url.size()) return k + 1 == seg.size();  // end of URL: `^` must be last
      if (!kChars.separator[uc(url[at])]) return false;
      continue;
    }
    if (at >= url.size() || !char_eq(p, url[at], fold)) return false;
  }
  return true;
}

// Leftmost position >= from where `seg` matches; npos if none.
std::size_t segment_find(std::string_view seg, std::string_view url, std::size_t from, bool fold) {
  if (seg.empty()) return from;
  const char first = seg[0];
  if (first != '^' && seg.size() <= url.size()) {
    // Skip to each occurrence of the first character before trying the whole segment.
    for (std::size_t pos = from, last = url.size() - seg.size(); pos <= last; ++pos) {
      if (!char_eq(first, url[pos], fold)) continue;
      if (segment_at(seg, url, pos, fold)) return pos;
    }
    // A segment ending in `^` may also match with that `^` at the URL's end.
    if (seg.back() == '^' && url.size() + 1 >= seg.size()) {
      const std::size_t pos = url.size() + 1 - seg.size();
      if (pos >= from && segment_at(seg, url, pos, fold)) return pos;
    }
    return std::string_view::npos;
  }
  for (std::size_t pos = from; pos <= url.size(); ++pos) {
    if (segment_at(seg, url, pos, fold)) return pos;
  }
  return std::string_view::npos;
}

std::size_t segment_span(std::string_view seg, std::string_view url, std::size_t pos) {
  // How many URL characters a matched segment covers (`^` at the very end covers none).
  if (!seg.empty() && seg.back() == '^' && pos + seg.size() > url.size()) return seg.size() - 1;
  return seg.size();
}

// Matches the rest of the glob (segments separated by `*`) from `pos`.
bool glob_rest(std::string_view pat, std::string_view url, std::size_t pos, bool right, bool fold) {
  while (true) {
    const std::size_t star = pat.find('*');
    const std::string_view seg = pat.substr(0, star);
    if (star == std::string_view::npos) {
      // Last segment.
      if (!right) return segment_find(seg, url, pos, fold) != std::string_view::npos;
      // Right-anchored: the segment must end at the URL's end.
      if (url.size() >= seg.size()) {
        const std::size_t at = url.size() - seg.size();
        if (at >= pos && segment_at(seg, url, at, fold)) return true;
      }
      if (!seg.empty() && seg.back() == '^' && url.size() + 1 >= seg.size()) {
        const std::size_t at = url.size() + 1 - seg.size();
        if (at >= pos && segment_at(seg, url, at, fold)) return true;
      }
      return false;
    }
    const std::size_t at = segment_find(seg, url, pos, fold);
    if (at == std::string_view::npos) return false;
    pos = at + segment_span(seg, url, at);
    pat.remove_prefix(star + 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Domain matching

// `host` is `entry` or a subdomain of it.
inline bool host_in(std::string_view host, std::string_view entry) {
  if (host.size() < entry.size()) return false;
  const std::size_t at = host.size() - entry.size();
  // Most entries differ at their first character: no compare call for them.
  if (!entry.empty() && host[at] != entry[0]) return false;
  if (host.compare(at, entry.size(), entry) != 0) return false;
  return host.size() == entry.size() || host[host.size() - entry.size() - 1] == '.';
}

struct LazyRegex {
  std::once_flag once;
  std::optional<std::regex> re;
  std::vector<std::string> literals;  // lowercase runs every match contains (a cheap pre-check)
};

// Literal runs (3+ characters) that every match of `re` must contain: text outside groups and
// classes, not followed by a quantifier, with no top-level alternation. Lowercased: the URL
// is compared case-insensitively, which only lets more URLs through to the regex itself.
// Conservative: an escape other than the usual classes gives up (no literals).
std::vector<std::string> regex_literals(std::string_view re) {
  std::vector<std::string> out;
  std::string run;
  const auto flush = [&] {
    if (run.size() >= 3) out.push_back(run);
    run.clear();
  };
  for (std::size_t i = 0; i < re.size(); ++i) {
    const char c = re[i];
    const bool quantified = i + 1 < re.size() && (re[i + 1] == '*' || re[i + 1] == '+' ||
                                                  re[i + 1] == '?' || re[i + 1] == '{');
    if (c == '\\' && i + 1 < re.size()) {
      const char e = re[++i];
      const bool alnum = (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9');
      if (alnum && std::string_view("dDwWsSbB").find(e) == std::string_view::npos) return {};
      const bool q = i + 1 < re.size() &&
                     (re[i + 1] == '*' || re[i + 1] == '+' || re[i + 1] == '?' || re[i + 1] == '{');
      if (alnum || q) {
        flush();
      } else {
        run += kChars.fold[uc(e)];
      }
      continue;
    }
    if (c == '|') return {};
    if (c == '(' || c == '[') {
      flush();
      // Skip the group or class (a quantifier after it is skipped as punctuation below).
      const char close = c == '(' ? ')' : ']';
      int depth = 1;
      std::size_t j = i + 1;
      while (j < re.size() && depth > 0) {
        if (re[j] == '\\') {
          j += 2;
          continue;
        }
        if (c == '(' && re[j] == '[') {
          ++j;
          while (j < re.size() && re[j] != ']') j += re[j] == '\\' ? 2 : 1;
        } else if (re[j] == c && c == '(') {
          ++depth;
        } else if (re[j] == close) {
          --depth;
        }
        ++j;
      }
      i = j - 1;
      continue;
    }
    if (c == '.' || c == '^' || c == '$' || c == '*' || c == '+' || c == '?' || c == '{' ||
        c == '}' || c == ')' || c == ']' || quantified) {
      flush();
      if (c == '{') {
        while (i < re.size() && re[i] != '}') ++i;
      }
      continue;
    }
    run += kChars.fold[uc(c)];
  }
  flush();
  return out;
}

// Case-insensitive search for a lowercase `lit` in `s`.
bool contains_folded(std::string_view s, std::string_view lit) {
  if (lit.size() > s.size()) return false;
  const char first = lit[0];
  for (std::size_t i = 0, end = s.size() - lit.size(); i <= end; ++i) {
    if (kChars.fold[uc(s[i])] != first) continue;
    std::size_t k = 1;
    while (k < lit.size() && kChars.fold[uc(s[i + k])] == lit[k]) ++k;
    if (k == lit.size()) return true;
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

class OwnedImage : public ImageBytes {
 public:
  explicit OwnedImage(std::vector<std::byte> data) : data_(std::move(data)) {}
  std::span<const std::byte> bytes() const override { return data_; }

 private:
  std::vector<std::byte> data_;
};

struct Matcher::Impl {
  std::shared_ptr<const ImageBytes> owner;
  std::span<const std::byte> bytes;
  const Header* header = nullptr;
  std::string_view strings;
  std::span<const FilterRec> filters;
  std::span<const DomainRec> domains;
  std::span<const std::uint32_t> domain_hashes;  // parallel to domains: reverse_hash of each
  std::span<const Slot> host_slots, token_slots, doc_slots, any_slot;
  std::span<const Cand> host_ids, token_ids, doc_ids, any_ids;
  std::span<const Chk> token_chks;             // parallel to token_ids
  std::span<const std::uint32_t> token_edges;  // parallel to token_slots (edge sets)
  Bitset host_bits, token_bits, doc_bits;
  std::span<const ListRec> lists;
  std::span<const FingerprintRec> prints;
  std::unique_ptr<LazyRegex[]> regexes;
  std::uint32_t regex_count = 0;
  bool has_important = false;

  template <typename T>
  std::span<const T> section(Section s) const {
    const SectionRec& r = header->sections[s];
    return {reinterpret_cast<const T*>(bytes.data() + r.offset),
            static_cast<std::size_t>(r.size / sizeof(T))};
  }

  void attach(std::shared_ptr<const ImageBytes> image) {
    owner = std::move(image);
    bytes = owner->bytes();
    if (bytes.size() < sizeof(Header)) throw std::runtime_error("engine image: truncated header");
    if (reinterpret_cast<std::uintptr_t>(bytes.data()) % 8 != 0)
      throw std::runtime_error("engine image: misaligned");
    header = reinterpret_cast<const Header*>(bytes.data());
    if (std::memcmp(header->magic, kMagic, sizeof(kMagic)) != 0)
      throw std::runtime_error("engine image: bad magic");
    if (header->version != kImageFormatVersion)
      throw std::runtime_error("engine image: other format version");
    if (header->section_count != kSectionCount || header->total_size != bytes.size()) {
      throw std::runtime_error("engine image: bad size");
    }
    for (const SectionRec& r : header->sections) {
      if (r.offset % 8 != 0 || r.offset > bytes.size() || r.size > bytes.size() - r.offset) {
        throw std::runtime_error("engine image: bad section");
      }
    }
    const SectionRec& sr = header->sections[kStrings];
    strings = std::string_view(reinterpret_cast<const char*>(bytes.data() + sr.offset), sr.size);
    filters = section<FilterRec>(kFilters);
    domains = section<DomainRec>(kDomains);
    domain_hashes = section<std::uint32_t>(kDomainHashes);
    if (domain_hashes.size() != domains.size())
      throw std::runtime_error("engine image: bad domain");
    host_slots = section<Slot>(kHostSlots);
    token_slots = section<Slot>(kTokenSlots);
    doc_slots = section<Slot>(kDocSlots);
    any_slot = section<Slot>(kAnySlot);
    host_ids = section<Cand>(kHostIds);
    token_ids = section<Cand>(kTokenIds);
    doc_ids = section<Cand>(kDocIds);
    any_ids = section<Cand>(kAnyIds);
    token_chks = section<Chk>(kTokenChecks);
    if (token_chks.size() != token_ids.size()) throw std::runtime_error("engine image: bad index");
    token_edges = section<std::uint32_t>(kTokenEdges);
    if (token_edges.size() != token_slots.size())
      throw std::runtime_error("engine image: bad index");
    const auto hb = section<std::uint64_t>(kHostBits);
    const auto tb = section<std::uint64_t>(kTokenBits);
    const auto db = section<std::uint64_t>(kDocBits);
    if (any_slot.size() != 1) throw std::runtime_error("engine image: bad index");
    const auto bitset = [](std::span<const std::uint64_t> w) {
      // 2^k bits = 2^(k-6) words, k in [kMinBitsetLog, kMaxBitsetLog].
      for (unsigned k = kMinBitsetLog; k <= kMaxBitsetLog; ++k) {
        if (w.size() == (std::size_t{1} << (k - 6))) return Bitset{w.data(), 32 - k, w.size()};
      }
      throw std::runtime_error("engine image: bad bitset");
    };
    host_bits = bitset(hb);
    token_bits = bitset(tb);
    doc_bits = bitset(db);
    lists = section<ListRec>(kLists);
    prints = section<FingerprintRec>(kFingerprints);
    // Validate every reference so a damaged image cannot make the matcher read out of bounds.
    for (const FilterRec& f : filters) {
      if (f.raw_off > strings.size() || f.raw_len > strings.size() - f.raw_off ||
          f.pat_off > strings.size() || f.pat_len > strings.size() - f.pat_off ||
          f.dom_begin > domains.size() || f.dom_count > domains.size() - f.dom_begin ||
          f.list >= lists.size() || f.category >= kCategoryCount ||
          (f.kind == static_cast<std::uint8_t>(PatternKind::regex) &&
           f.regex >= header->regex_count)) {
        throw std::runtime_error("engine image: bad filter record");
      }
      // A regex the parser would have refused could exhaust the stack or memory when
      // compiled (the parser applies the same limits, so a built image never holds one).
      if (f.kind == static_cast<std::uint8_t>(PatternKind::regex) &&
          !regex_within_limits(strings.substr(f.pat_off, f.pat_len))) {
        throw std::runtime_error("engine image: regex beyond limits");
      }
      if (f.flags & kFlagImportant) has_important = true;
    }
    for (const DomainRec& d : domains) {
      if (d.off > strings.size() || d.len > strings.size() - d.off || d.which > kDenyAllow)
        throw std::runtime_error("engine image: bad domain");
    }
    const auto check_slots = [&](std::span<const Slot> slots, std::span<const Cand> ids,
                                 bool table) {
      if (table && !slots.empty() && (slots.size() & (slots.size() - 1)) != 0) {
        throw std::runtime_error("engine image: bad table size");
      }
      bool has_empty = !table;
      for (const Slot& s : slots) {
        // A table's empty slot (key 0) is never returned by slot_find; the lone "any" slot
        // is used whatever its key, so it is checked whatever its key.
        if (table && s.key == 0) {
          has_empty = true;
          continue;
        }
        if (s.begin > ids.size() || s.count > ids.size() - s.begin || s.n_important > s.count ||
            s.n_block > s.count - s.n_important) {
          throw std::runtime_error("engine image: bad slot");
        }
      }
      if (!slots.empty() && !has_empty) throw std::runtime_error("engine image: full table");
      for (const Cand& c : ids) {
        if (c.id >= filters.size() || cand_category(c) >= kCategoryCount)
          throw std::runtime_error("engine image: bad filter id");
      }
    };
    check_slots(host_slots, host_ids, true);
    check_slots(token_slots, token_ids, true);
    check_slots(doc_slots, doc_ids, true);
    check_slots(any_slot, any_ids, false);
    for (const ListRec& l : lists) {
      if (l.name_off > strings.size() || l.name_len > strings.size() - l.name_off ||
          l.category >= kCategoryCount) {
        throw std::runtime_error("engine image: bad list");
      }
    }
    for (const FingerprintRec& p : prints) {
      if (p.name_off > strings.size() || p.name_len > strings.size() - p.name_off) {
        throw std::runtime_error("engine image: bad fingerprint");
      }
    }
    // Each regex belongs to one filter record: a larger count is damage, and trusting it
    // would size an allocation from the file (found by fuzz_engine_image).
    if (header->regex_count > filters.size())
      throw std::runtime_error("engine image: bad regex count");
    regex_count = header->regex_count;
    regexes = std::make_unique<LazyRegex[]>(regex_count);
  }

  // Offsets validated by attach().
  std::string_view str(std::uint32_t off, std::uint32_t len) const {
    return view_of(strings, off, len);
  }

  bool regex_matches(const FilterRec& f, std::string_view url) const {
    LazyRegex& lr = regexes[f.regex];
    std::call_once(lr.once, [&] {
      try {
        // __polynomial (libstdc++): the breadth-first executor, linear in the URL's length,
        // never backtracking exponentially (a back-reference throws and is skipped here).
        auto flags =
            std::regex::ECMAScript | std::regex::optimize | std::regex_constants::__polynomial;
        if ((f.flags & kFlagCase) == 0) flags |= std::regex::icase;
        lr.re.emplace(std::string(str(f.pat_off, f.pat_len)), flags);
        lr.literals = regex_literals(str(f.pat_off, f.pat_len));
      } catch (const std::regex_error&) {
        lr.re.reset();
      }
    });
    if (!lr.re || url.size() > kMaxRegexUrl) return false;
    for (const std::string& lit : lr.literals) {
      if (!contains_folded(url, lit)) return false;
    }
    try {
      return std::regex_search(url.begin(), url.end(), *lr.re);
    } catch (const std::regex_error&) {
      return false;  // e.g. complexity limits
    }
  }

  // Bit (1 << which) for each entry of f's domain lists that `host` is or is a subdomain of
  // (host_in), among the entries whose entity flag is `entity`. A long list (kDomHashed) is
  // not scanned: each label suffix of the host is looked up by its hash.
  std::uint8_t domain_hits(const FilterRec& f, std::string_view host, bool entity) const {
    std::uint32_t hits = 0;
    if ((f.dom_info & kDomHashed) == 0) {
      for (std::uint32_t i = f.dom_begin, e = f.dom_begin + f.dom_count; i < e; ++i) {
        const DomainRec& d = domains[i];
        if ((d.entity != 0) == entity && host_in(host, str(d.off, d.len))) hits |= 1U << d.which;
      }
      return static_cast<std::uint8_t>(hits);
    }
    const std::uint32_t* first = domain_hashes.data() + f.dom_begin;
    const std::uint32_t* last = first + f.dom_count;
    for_each_suffix_key(host, [&](std::uint32_t key, std::size_t b) {
      const std::string_view suffix = host.substr(b);
      for (const std::uint32_t* it = std::lower_bound(first, last, key); it != last && *it == key;
           ++it) {
        const DomainRec& d = domains[f.dom_begin + static_cast<std::size_t>(it - first)];
        if ((d.entity != 0) == entity && str(d.off, d.len) == suffix) hits |= 1U << d.which;
      }
      return false;
    });
    return static_cast<std::uint8_t>(hits);
  }

  // Options other than the pattern: types were checked by the caller.
  bool options_match(const FilterRec& f, const Request& r) const {
    const bool entity = (f.flags & kFlagEntity) != 0;
    if (f.flags & (kFlagDeny | kFlagTo)) {
      // The lists about the request's own host: `denyallow=` and `to=`.
      std::uint8_t hits = domain_hits(f, r.hostname(), false);
      if (entity) hits |= domain_hits(f, r.entity(), true);
      if ((f.flags & kFlagDeny) && (hits & (1U << kDenyAllow))) return false;
      if (f.flags & kFlagTo) {
        if (hits & (1U << kToExclude)) return false;
        if ((f.dom_info & kDomToInclude) && (hits & (1U << kToInclude)) == 0) return false;
      }
    }
    if (f.flags & kFlagFrom) {
      std::uint8_t hits = domain_hits(f, r.source_hostname(), false);
      if (entity) hits |= domain_hits(f, r.source_entity(), true);
      if (hits & (1U << kFromExclude)) return false;
      if ((f.dom_info & kDomFromInclude) && (hits & (1U << kFromInclude)) == 0) return false;
    }
    if (f.party != static_cast<std::uint8_t>(Party::any)) {
      const bool third = r.third_party();
      if (third != (f.party == static_cast<std::uint8_t>(Party::third))) return false;
    }
    return true;
  }

  // The pattern, anywhere in the URL (no token position known).
  bool pattern_matches(const FilterRec& f, const Request& r) const {
    const std::string_view url = r.url();
    const std::string_view pat = str(f.pat_off, f.pat_len);
    const bool fold = (f.flags & kFlagCase) == 0;
    const bool right = (f.flags & kFlagRight) != 0;
    switch (static_cast<PatternKind>(f.kind)) {
      case PatternKind::hostname_only:
        return host_in(r.hostname(), pat);
      case PatternKind::regex:
        return regex_matches(f, url);
      case PatternKind::left_anchored: {
        const std::size_t star = pat.find('*');
        const std::string_view first = pat.substr(0, star);
        if (!segment_at(first, url, 0, fold)) return false;
        if (star == std::string_view::npos) {
          return !right || segment_span(first, url, 0) == url.size();
        }
        return glob_rest(pat.substr(star + 1), url, segment_span(first, url, 0), right, fold);
      }
      case PatternKind::hostname_anchored: {
        const std::size_t star = pat.find('*');
        const std::string_view first = pat.substr(0, star);
        for (std::size_t pos = r.host_begin(); pos < r.host_end(); ++pos) {
          if (pos != r.host_begin() && url[pos - 1] != '.') continue;
          if (!segment_at(first, url, pos, fold)) continue;
          const std::size_t end = pos + segment_span(first, url, pos);
          if (star == std::string_view::npos) {
            if (!right || end == url.size()) return true;
            continue;
          }
          return glob_rest(pat.substr(star + 1), url, end, right, fold);
        }
        return false;
      }
      case PatternKind::plain:
      default:
        return glob_rest(pat, url, 0, right, fold);
    }
  }

  // A generic pattern (kFlagAnchored) given that its token is at URL position `token_pos`:
  // the `*`-free segment holding the token is compared there; the segments before it must
  // fit in front of it (leftmost-first, as glob_rest), those after it follow it.
  bool generic_matches_at(const FilterRec& f, const Request& r, std::size_t token_pos) const {
    const std::string_view url = r.url();
    const std::string_view pat = str(f.pat_off, f.pat_len);
    const bool fold = (f.flags & kFlagCase) == 0;
    const bool right = (f.flags & kFlagRight) != 0;
    const std::size_t tb = f.token_beg;
    const std::size_t star_before = pat.rfind('*', tb);
    const std::size_t sb = star_before == std::string_view::npos ? 0 : star_before + 1;
    const std::size_t star_after = pat.find('*', tb);
    const std::size_t se = star_after == std::string_view::npos ? pat.size() : star_after;
    if (token_pos < tb - sb) return false;
    const std::size_t at = token_pos - (tb - sb);
    const std::string_view seg = pat.substr(sb, se - sb);
    if (!segment_at(seg, url, at, fold)) return false;
    const std::size_t end = at + segment_span(seg, url, at);
    const auto kind = static_cast<PatternKind>(f.kind);
    if (sb == 0) {
      if (kind == PatternKind::left_anchored && at != 0) return false;
      if (kind == PatternKind::hostname_anchored &&
          !(at >= r.host_begin() && at < r.host_end() &&
            (at == r.host_begin() || url[at - 1] == '.'))) {
        return false;
      }
    } else if (!prefix_fits(pat.substr(0, sb - 1), kind, r, at, fold)) {
      return false;
    }
    if (se == pat.size()) return !right || end == url.size();
    return glob_rest(pat.substr(se + 1), url, end, right, fold);
  }

  // Do the segments of `prefix` (a pattern's start, `*`-separated, anchored as `kind`) match
  // the URL in order, ending at or before `limit`?
  static bool prefix_fits(std::string_view prefix, PatternKind kind, const Request& r,
                          std::size_t limit, bool fold) {
    const std::string_view url = r.url();
    std::string_view rest = prefix;
    std::size_t pos = 0;
    if (kind == PatternKind::left_anchored || kind == PatternKind::hostname_anchored) {
      // The first segment is anchored (as in pattern_matches); the rest are searched.
      const std::size_t star = rest.find('*');
      const std::string_view seg = rest.substr(0, star);
      std::size_t p = 0;
      if (kind == PatternKind::left_anchored) {
        if (!segment_at(seg, url, 0, fold)) return false;
      } else {
        for (p = r.host_begin(); p < r.host_end(); ++p) {
          if (p != r.host_begin() && url[p - 1] != '.') continue;
          if (segment_at(seg, url, p, fold)) break;
        }
        if (p >= r.host_end()) return false;
      }
      pos = p + segment_span(seg, url, p);
      if (pos > limit) return false;
      if (star == std::string_view::npos) return true;
      rest.remove_prefix(star + 1);
    }
    while (true) {
      const std::size_t star = rest.find('*');
      const std::string_view seg = rest.substr(0, star);
      const std::size_t found = segment_find(seg, url, pos, fold);
      if (found == std::string_view::npos) return false;
      pos = found + segment_span(seg, url, found);
      if (pos > limit) return false;
      if (star == std::string_view::npos) return true;
      rest.remove_prefix(star + 1);
    }
  }

  // The pattern given that token `token_pos` of the URL is the filter's token.
  bool pattern_matches_at(const FilterRec& f, const Request& r, std::size_t token_pos) const {
    if (f.flags & kFlagAnchored) return generic_matches_at(f, r, token_pos);
    if (f.flags & kFlagGeneric || f.kind == static_cast<std::uint8_t>(PatternKind::regex) ||
        f.token_beg == kNoToken) {
      return pattern_matches(f, r);
    }
    if (token_pos < f.token_beg) return false;
    const std::size_t pos = token_pos - f.token_beg;
    const std::string_view url = r.url();
    const std::string_view pat = str(f.pat_off, f.pat_len);
    if (pos + pat.size() > url.size()) return false;
    const bool fold = (f.flags & kFlagCase) == 0;
    for (std::size_t k = 0; k < pat.size(); ++k) {
      if (!char_eq(pat[k], url[pos + k], fold)) return false;
    }
    if ((f.flags & kFlagRight) && pos + pat.size() != url.size()) return false;
    switch (static_cast<PatternKind>(f.kind)) {
      case PatternKind::left_anchored:
        return pos == 0;
      case PatternKind::hostname_anchored:
        return pos >= r.host_begin() && pos < r.host_end() &&
               (pos == r.host_begin() || url[pos - 1] == '.');
      default:
        return true;
    }
  }

  static constexpr std::size_t kNoPos = static_cast<std::size_t>(-1);

  bool filter_matches(std::uint32_t id, const Request& r, std::size_t token_pos) const {
    const FilterRec& f = filters[id];
    if ((f.types & r.type()) == 0) return false;
    // A regex costs far more than a domain list: `/^https?:\/\/[0-9a-z]{5,}\.com\/.*/$script,
    // domain=...` is keyed on `com` and would otherwise run on every .com script.
    if (f.kind == static_cast<std::uint8_t>(PatternKind::regex)) {
      return options_match(f, r) && pattern_matches(f, r);
    }
    const bool pat =
        token_pos == kNoPos ? pattern_matches(f, r) : pattern_matches_at(f, r, token_pos);
    return pat && options_match(f, r);
  }
};

Matcher::Matcher() : impl_(std::make_unique<Impl>()) {}
Matcher::~Matcher() = default;
Matcher::Matcher(Matcher&&) noexcept = default;
Matcher& Matcher::operator=(Matcher&&) noexcept = default;

Matcher Matcher::from_image(std::shared_ptr<const ImageBytes> image) {
  Matcher m;
  m.impl_->attach(std::move(image));
  return m;
}

// ---------------------------------------------------------------------------------------------
// Matching

namespace {
// A bucket kept for the exception pass: 24 bytes, written for every bucket scanned.
struct Hit {
  static constexpr std::uint32_t kNoToken = 0xFFFFFFFFU;  // a hostname or unindexed bucket
  const Slot* slot;
  const Cand* ids;
  std::uint32_t pos;      // URL token position (token index: its checks are token_chks)
  std::uint32_t pos_end;  // end of that URL token
};

// The checks a candidate carries (see Cand): false only when the filter cannot match.
// Byte masks of the Chk mask bits (bit k -> byte k of a little-endian word).
struct CheckBytes {
  std::array<std::uint64_t, 64> mask{};
  constexpr CheckBytes() {
    for (unsigned m = 0; m < 64; ++m) {
      for (unsigned k = 0; k < 6; ++k) {
        if ((m >> k) & 1) mask[m] |= 0xFFULL << (8 * k);
      }
    }
  }
};
constexpr CheckBytes kCheckBytes;

// The bytes of a word folded as kChars.fold folds each (A-Z to a-z, every other byte as is).
inline std::uint64_t fold_ascii_word(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  const std::uint64_t low7 = w & (0x7F * kOnes);
  const std::uint64_t ge_a = low7 + (0x80 - 'A') * kOnes;          // high bit: low7 >= 'A'
  const std::uint64_t gt_z = low7 + (0x7F - 'Z') * kOnes;          // high bit: low7 > 'Z'
  const std::uint64_t upper = ge_a & ~gt_z & ~w & (0x80 * kOnes);  // and the byte is ASCII
  return w | (upper >> 2);
}

// Beside each token-index slot (a parallel array): the classes its candidates accept just
// before the URL token (bits 0..15) and just after it (bits 16..31), every class when a
// candidate has no such check. A request whose characters around the token fall outside
// either set skips the bucket: no candidate's pre or post check could pass. Six in ten of
// the buckets a request visited were rejected by every candidate's pre/post check, one
// candidate at a time. edges_admit: whether a bucket's set admits the characters around the
// URL token [pos, pos_end).
inline bool edges_admit(std::uint32_t edges, std::string_view url, std::size_t pos,
                        std::size_t pos_end) {
  const unsigned before = pos == 0 ? 0U : kEdgeClass(url[pos - 1]);
  const unsigned after = pos_end >= url.size() ? 0U : kEdgeClass(url[pos_end]);
  return ((edges >> before) & (edges >> (16 + after)) & 1U) != 0;
}

inline bool cand_may_match(const Cand& c, const Chk* chk, const Request& r, std::size_t pos,
                           std::size_t pos_end) {
  if ((cand_types(c) & r.type()) == 0) return false;
  if (pos == static_cast<std::size_t>(-1)) return true;
  const std::string_view url = r.url();
  if (c.pre != 0 && (pos == 0 || static_cast<std::uint8_t>(url[pos - 1]) != c.pre)) return false;
  if (c.post != 0 && (pos_end >= url.size() || static_cast<std::uint8_t>(url[pos_end]) != c.post))
    return false;
  if (chk != nullptr && chk->mask != 0) {
    const auto base = static_cast<std::ptrdiff_t>(pos) + chk->off;
    if (std::endian::native == std::endian::little && base >= 0 &&
        static_cast<std::size_t>(base) + 8 <= url.size()) {
      // The six places compared at once (the loop below cost a branch per character,
      // mispredicted as often as not), the URL's letters folded as kChars.fold does. Both
      // sides are whole 8-byte loads, the two bytes past the six masked off: 6-byte copies
      // were built on the stack from a 4- and a 2-byte store and read back as one word, which
      // the store buffer cannot forward (perf put ~2.5 % of match's samples on that read).
      std::uint64_t u = 0, whole = 0;
      std::memcpy(&u, url.data() + base, sizeof(u));
      std::memcpy(&whole, chk, sizeof(whole));  // off, mask, then c[0..5]
      return ((fold_ascii_word(u) ^ (whole >> 16)) & kCheckBytes.mask[chk->mask & 63]) == 0;
    }
    for (int k = 0; k < 6; ++k) {
      if (((chk->mask >> k) & 1) == 0) continue;
      const std::ptrdiff_t at = base + k;
      if (at < 0 || static_cast<std::size_t>(at) >= url.size()) return false;
      if (kChars.fold[uc(url[static_cast<std::size_t>(at)])] != chk->c[k]) return false;
    }
  }
  return true;
}
}  // namespace

MatchResult Matcher::match(const Request& r, CategoryMask enabled) const {
  const Impl& m = *impl_;
  constexpr std::size_t kNoPos = Impl::kNoPos;
  constexpr std::size_t kMaxHits = 128;
  Hit hits[kMaxHits];
  std::size_t nhits = 0;
  bool overflow = false;
  std::uint32_t block = kNoFilter;

  // Returns true when an important block decided.
  const auto scan_blocks = [&](const Slot* s, const Cand* ids, const Chk* chks, std::size_t pos,
                               std::size_t pos_end) __attribute__((always_inline)) {
    if ((s->types & r.type()) == 0) return false;  // no filter of the bucket applies
    // Kept for the exception pass only when the bucket has exceptions: written anyway and
    // counted then, without a branch (the buckets a request visits often have exceptions).
    if (nhits < kMaxHits) [[likely]] {
      hits[nhits] = chks == nullptr ? Hit{s, ids, Hit::kNoToken, Hit::kNoToken}
                                    : Hit{s, ids, static_cast<std::uint32_t>(pos),
                                          static_cast<std::uint32_t>(pos_end)};
      nhits += s->count != s->n_important + s->n_block ? 1 : 0;
    } else if (s->count != s->n_important + s->n_block) {
      overflow = true;
    }
    const std::uint32_t end = block == kNoFilter ? s->n_important + s->n_block : s->n_important;
    for (std::uint32_t i = 0; i < end; ++i) {
      const Cand& c = ids[s->begin + i];
      if ((kShift.bit[cand_category(c)] & enabled) == 0) continue;
      if (!cand_may_match(c, chks == nullptr ? nullptr : &chks[s->begin + i], r, pos, pos_end))
        continue;
      const std::uint32_t id = c.id;
      if (!m.filter_matches(id, r, pos)) continue;
      if (i < s->n_important) {
        block = id;
        return true;
      }
      if (block == kNoFilter) block = id;
      if (!m.has_important) return false;
    }
    return false;
  };

  // The probes, planned before any bucket is read so that their memory reads overlap: the
  // host and document suffix keys are computed and their presence words prefetched, the URL
  // is tokenized meanwhile (its first kPlanTokens present tokens kept), and the hostname
  // slots and their candidates are prefetched a round before they are read. Each step used
  // to wait for the one before it (bit, slot, candidates: three misses in a row per probe).
  // Buckets are visited in this order: host, token, document, unindexed.
  constexpr std::size_t kPlanLabels = 24;  // a hostname with more labels is probed unplanned
  constexpr std::size_t kPlanTokens = 64;  // tokens past these are looked up in batches
  struct SuffixPlan {
    std::uint32_t key[kPlanLabels];
    const Slot* slot[kPlanLabels];
    std::size_t n = 0;
    bool planned = false;
  };
  // The suffix keys of `host` into p (their presence words prefetched); unplanned when the
  // host has too many labels. `same` (a plan of the same hostname) is copied, not recomputed:
  // most requests are made by a document of their own hostname.
  const auto plan_suffixes = [](std::string_view text, std::size_t begin, std::size_t end,
                                std::span<const Slot> slots, const Bitset& bits, SuffixPlan& p,
                                const SuffixPlan* same) {
    const std::string_view host = view_of(text, begin, end - begin);
    if (host.empty() || slots.empty()) {
      p.planned = true;
      return;
    }
    if (same != nullptr && same->planned) {
      p.n = same->n;
      std::memcpy(p.key, same->key, sizeof(p.key[0]) * p.n);
      p.planned = true;
    } else {
      const int n = suffix_keys(text, begin, host.size(), p.key);
      if (n >= 0) {
        p.n = static_cast<std::size_t>(n);
        p.planned = true;
      } else {
        p.planned = !for_each_suffix_key(host, [&](std::uint32_t key, std::size_t) {
          if (p.n == kPlanLabels) return true;
          p.key[p.n++] = key;
          return false;
        });
      }
    }
    if (!p.planned) return;
    for (std::size_t i = 0; i < p.n; ++i) __builtin_prefetch(&bits.words[bit_word(bits, p.key[i])]);
  };
  // Keeps the keys whose presence bit is set, prefetching their slots.
  const auto filter_suffixes = [](std::span<const Slot> slots, const Bitset& bits, SuffixPlan& p) {
    if (!p.planned) return;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < p.n; ++i) {
      p.key[kept] = p.key[i];
      kept += bit_test(bits, p.key[i]) ? 1 : 0;
    }
    p.n = kept;
    for (std::size_t i = 0; i < p.n; ++i) __builtin_prefetch(&slots[p.key[i] & (slots.size() - 1)]);
  };
  // Looks the slots up, prefetching the candidates of those this request's type can use.
  const auto find_suffixes = [&](std::span<const Slot> slots, std::span<const Cand> ids,
                                 SuffixPlan& p) {
    if (!p.planned) return;
    for (std::size_t i = 0; i < p.n; ++i) {
      p.slot[i] = slot_find(slots, p.key[i]);
      if (p.slot[i] != nullptr && (p.slot[i]->types & r.type()) != 0)
        __builtin_prefetch(&ids[p.slot[i]->begin]);
    }
  };
  SuffixPlan host_plan, doc_plan;
  plan_suffixes(r.url(), r.host_begin(), r.host_end(), m.host_slots, m.host_bits, host_plan,
                nullptr);
  plan_suffixes(
      r.source_url(), r.source_host_begin(), r.source_host_end(), m.doc_slots, m.doc_bits, doc_plan,
      !m.host_slots.empty() && r.source_hostname() == r.hostname() ? &host_plan : nullptr);

  // Of the URL's first kPlanTokens tokens, those whose presence bit is set (the token bitset
  // is small and stays cached); `token_rest` is the first token after them, if any. (The
  // bitset is copied: read through `m`, its fields were loaded again for every token, as the
  // stores into tstart and tkey might have changed them.)
  std::uint32_t tstart[kPlanTokens], tkey[kPlanTokens];
  std::size_t nt = 0;
  std::size_t token_rest = kNoPos;
  const UrlTokens tokens(m.token_slots.empty() ? std::string_view{} : r.url());
  if (!m.token_slots.empty()) {
    const std::size_t nplan = std::min(tokens.count(), kPlanTokens);
    const Bitset bits = m.token_bits;
    for (std::size_t i = 0; i < nplan; ++i) {
      const std::size_t start = tokens.start_of(i);
      const std::uint32_t key = tokens.key_at(start);
      // The entry is written whatever the bit, without a branch; kept when it is set.
      tstart[nt] = static_cast<std::uint32_t>(start);
      tkey[nt] = key;
      nt += bit_test(bits, key) ? 1 : 0;
    }
    if (tokens.count() > kPlanTokens) token_rest = kPlanTokens;
  }
  filter_suffixes(m.host_slots, m.host_bits, host_plan);
  filter_suffixes(m.doc_slots, m.doc_bits, doc_plan);
  find_suffixes(m.host_slots, m.host_ids, host_plan);
  find_suffixes(m.doc_slots, m.doc_ids, doc_plan);

  // Visits every candidate bucket; `fn` returns true to stop.
  const auto visit = [&](auto&& fn) -> bool {
    // 1. Hostname index: each label suffix of the request's hostname.
    if (host_plan.planned) {
      for (std::size_t i = 0; i < host_plan.n; ++i) {
        if (host_plan.slot[i] != nullptr &&
            fn(host_plan.slot[i], m.host_ids.data(), nullptr, kNoPos, kNoPos)) {
          return true;
        }
      }
    } else if (for_each_suffix_key(r.hostname(), [&](std::uint32_t key, std::size_t) {
                 if (!bit_test(m.host_bits, key)) return false;
                 const Slot* s = slot_find(m.host_slots, key);
                 return s != nullptr && fn(s, m.host_ids.data(), nullptr, kNoPos, kNoPos);
               })) {
      return true;
    }
    // 2. Token index: each token of the URL, the planned ones first. Their slots are looked
    // up here, not in a pass of their own: the lookups do not depend on each other, so their
    // reads overlap anyway, and each loop over a request's tokens ends after a number of
    // iterations that differs per request (an exit the branch predictor mostly misses).
    const auto edges_of = [&](const Slot* s) {
      return m.token_edges[static_cast<std::size_t>(s - m.token_slots.data())];
    };
    for (std::size_t k = 0; k < nt; ++k) {
      const Slot* s = slot_find(m.token_slots, tkey[k]);
      if (s == nullptr) continue;
      const std::size_t pos_end = tokens.end_of(tstart[k]);
      if (edges_admit(edges_of(s), r.url(), tstart[k], pos_end) &&
          fn(s, m.token_ids.data(), m.token_chks.data(), tstart[k], pos_end)) {
        return true;
      }
    }
    // The rest (a URL with more than kPlanTokens present tokens) in batches of those whose
    // presence bit is set: their slots prefetched, looked up, their candidates prefetched,
    // and only then the buckets scanned in URL order, so the memory reads of a batch overlap.
    if (token_rest != kNoPos) {
      constexpr std::size_t kBatch = 32;
      std::uint32_t bstart[kBatch], bend[kBatch], bkey[kBatch];
      const Slot* found[kBatch];
      std::size_t nb = 0;
      const std::size_t slot_mask = m.token_slots.size() - 1;
      const auto flush = [&]() -> bool {
        const std::size_t np = nb;
        nb = 0;
        for (std::size_t k = 0; k < np; ++k)
          __builtin_prefetch(&m.token_slots[bkey[k] & slot_mask]);
        for (std::size_t k = 0; k < np; ++k)
          bend[k] = static_cast<std::uint32_t>(tokens.end_of(bstart[k]));
        for (std::size_t k = 0; k < np; ++k) {
          found[k] = slot_find(m.token_slots, bkey[k]);
          if (found[k] != nullptr && !edges_admit(edges_of(found[k]), r.url(), bstart[k], bend[k]))
            found[k] = nullptr;
          if (found[k] != nullptr && (found[k]->types & r.type()) != 0) {
            __builtin_prefetch(&m.token_ids[found[k]->begin]);
            __builtin_prefetch(&m.token_chks[found[k]->begin]);
          }
        }
        for (std::size_t k = 0; k < np; ++k) {
          if (found[k] != nullptr &&
              fn(found[k], m.token_ids.data(), m.token_chks.data(), bstart[k], bend[k])) {
            return true;
          }
        }
        return false;
      };
      bool stop = tokens.each(token_rest, [&](std::size_t start, std::uint32_t key) {
        bstart[nb] = static_cast<std::uint32_t>(start);
        bkey[nb] = key;
        nb += bit_test(m.token_bits, key) ? 1 : 0;
        return nb == kBatch && flush();
      });
      if (!stop && nb > 0) stop = flush();
      if (stop) return true;
    }
    // 3. Document index: each label suffix of the document's hostname.
    if (doc_plan.planned) {
      for (std::size_t i = 0; i < doc_plan.n; ++i) {
        if (doc_plan.slot[i] != nullptr &&
            fn(doc_plan.slot[i], m.doc_ids.data(), nullptr, kNoPos, kNoPos)) {
          return true;
        }
      }
    } else if (for_each_suffix_key(r.source_hostname(), [&](std::uint32_t key, std::size_t) {
                 if (!bit_test(m.doc_bits, key)) return false;
                 const Slot* s = slot_find(m.doc_slots, key);
                 return s != nullptr && fn(s, m.doc_ids.data(), nullptr, kNoPos, kNoPos);
               })) {
      return true;
    }
    // 4. Filters with no index key.
    if (m.any_slot[0].count != 0) {
      if (fn(&m.any_slot[0], m.any_ids.data(), nullptr, kNoPos, kNoPos)) return true;
    }
    return false;
  };

  if (visit(scan_blocks)) return {Decision::block, block};
  if (block == kNoFilter) return {};

  // A block matched: does an exception override it?
  const auto scan_allows = [&](const Slot* s, const Cand* ids, const Chk* chks, std::size_t pos,
                               std::size_t pos_end) -> bool {
    if ((s->types & r.type()) == 0) return false;
    for (std::uint32_t i = s->n_important + s->n_block; i < s->count; ++i) {
      const Cand& c = ids[s->begin + i];
      if (!cand_may_match(c, chks == nullptr ? nullptr : &chks[s->begin + i], r, pos, pos_end))
        continue;
      const std::uint32_t id = c.id;
      if (m.filter_matches(id, r, pos)) {
        block = id;
        return true;
      }
    }
    return false;
  };
  if (overflow) {
    if (visit(scan_allows)) return {Decision::allow, block};
  } else {
    for (std::size_t i = 0; i < nhits; ++i) {
      const Hit& h = hits[i];
      const bool tok = h.pos != Hit::kNoToken;
      if (scan_allows(h.slot, h.ids, tok ? m.token_chks.data() : nullptr, tok ? h.pos : kNoPos,
                      tok ? h.pos_end : kNoPos)) {
        return {Decision::allow, block};
      }
    }
  }
  return {Decision::block, block};
}

std::size_t Matcher::filter_count() const {
  return impl_->filters.size();
}
std::string_view Matcher::filter_text(std::uint32_t id) const {
  const FilterRec& f = impl_->filters[id];
  return impl_->str(f.raw_off, f.raw_len);
}
Category Matcher::filter_category(std::uint32_t id) const {
  return static_cast<Category>(impl_->filters[id].category);
}
std::string_view Matcher::filter_list(std::uint32_t id) const {
  const ListRec& l = impl_->lists[impl_->filters[id].list];
  return impl_->str(l.name_off, l.name_len);
}
bool Matcher::filter_important(std::uint32_t id) const {
  return (impl_->filters[id].flags & kFlagImportant) != 0;
}

std::vector<ListStats> Matcher::lists() const {
  std::vector<ListStats> out;
  for (const ListRec& l : impl_->lists) {
    ListStats s;
    s.name = std::string(impl_->str(l.name_off, l.name_len));
    s.category = static_cast<Category>(l.category);
    s.lines = l.lines;
    s.loaded = l.loaded;
    s.skipped = l.skipped;
    s.badfiltered = l.badfiltered;
    for (int i = 0; i < kSkipReasonCount; ++i) s.skipped_by_reason[i] = l.reasons[i];
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<SourceFingerprint> Matcher::fingerprints() const {
  std::vector<SourceFingerprint> out;
  for (const FingerprintRec& p : impl_->prints) {
    out.push_back({std::string(impl_->str(p.name_off, p.name_len)), p.size, p.mtime_ns, p.hash});
  }
  return out;
}

std::span<const std::byte> Matcher::image() const {
  return impl_->bytes;
}

std::vector<std::uint32_t> Matcher::unindexed_filters() const {
  std::vector<std::uint32_t> out;
  for (const Cand& c : impl_->any_ids) out.push_back(c.id);
  return out;
}

Matcher::IndexStats Matcher::index_stats() const {
  IndexStats s;
  s.host_filters = impl_->host_ids.size();
  // A filter with no check of the character after its token is in one bucket per class of
  // that character (see NextCharSalts): counted once.
  std::vector<bool> seen(impl_->filters.size());
  for (const Cand& c : impl_->token_ids) {
    if (!seen[c.id]) ++s.token_filters;
    seen[c.id] = true;
  }
  s.doc_filters = impl_->doc_ids.size();
  s.any_filters = impl_->any_ids.size();
  return s;
}

// ---------------------------------------------------------------------------------------------
// Building

namespace {

// The text of a filter with its `badfilter` option removed: the twin it cancels.
std::string badfilter_twin(std::string_view raw) {
  const std::size_t dollar = raw.rfind('$');
  if (dollar == std::string_view::npos) return std::string(raw);
  std::string out(raw.substr(0, dollar));
  std::string opts;
  std::string_view rest = raw.substr(dollar + 1);
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view opt = rest.substr(0, comma);
    if (opt != "badfilter") {
      if (!opts.empty()) opts += ',';
      opts += opt;
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (!opts.empty()) out += '$' + opts;
  return out;
}

struct Pending {
  NetworkFilter f;
  std::uint16_t list;
  Category category;
};

class StringPool {
 public:
  std::uint32_t add(std::string_view s) {
    const auto off = static_cast<std::uint32_t>(data_.size());
    data_.append(s);
    return off;
  }
  std::uint32_t add_shared(std::string_view s) {
    auto it = shared_.find(std::string(s));
    if (it != shared_.end()) return it->second;
    const std::uint32_t off = add(s);
    shared_.emplace(std::string(s), off);
    return off;
  }
  const std::string& data() const { return data_; }
  std::string_view str(std::uint32_t off, std::uint32_t len) const {
    return std::string_view(data_).substr(off, len);
  }

 private:
  std::string data_;
  std::unordered_map<std::string, std::uint32_t> shared_;
};

struct TableBuild {
  std::vector<Slot> slots;
  std::vector<Cand> ids;
  std::vector<Chk> chks;             // token index only
  std::vector<std::uint32_t> edges;  // token index only: parallel to slots
  std::vector<std::uint64_t> bits;
};

// What a token-index candidate carries besides its id (see Cand and Chk).
struct CandChecks {
  std::uint8_t pre = 0, post = 0;
  Chk chk{0, 0, {}};
};

// The checks of a pattern matched at its token (a literal pattern, or a generic one with
// kFlagAnchored): characters at fixed offsets from the token within its `*`-free stretch.
CandChecks cand_checks(std::string_view pat, std::size_t tb) {
  CandChecks out;
  std::size_t te = tb;
  while (te < pat.size() && kChars.token[uc(pat[te])] != 0) ++te;
  const std::size_t star_before = pat.rfind('*', tb);
  const std::size_t sb = star_before == std::string_view::npos ? 0 : star_before + 1;
  const std::size_t star_after = pat.find('*', te);
  const std::size_t se = star_after == std::string_view::npos ? pat.size() : star_after;
  if (tb > sb && pat[tb - 1] != '^') out.pre = uc(pat[tb - 1]);
  if (te < se && pat[te] != '^') out.post = uc(pat[te]);
  // Six characters after `post`, or (when that holds fewer literals) six before `pre`.
  const auto literals = [&](std::size_t from, std::size_t to) {
    int n = 0;
    for (std::size_t j = from; j < to; ++j) n += pat[j] != '^' ? 1 : 0;
    return n;
  };
  const std::size_t a_from = std::min(te + 1, se), a_to = std::min(se, te + 7);
  const std::size_t b_to = tb > sb ? tb - 1 : sb;
  const std::size_t b_from = std::max(sb, b_to >= 6 ? b_to - 6 : 0);
  const bool after = literals(a_from, a_to) >= literals(b_from, b_to);
  const std::size_t from = after ? a_from : b_from, to = after ? a_to : b_to;
  const auto off = static_cast<std::ptrdiff_t>(from) - static_cast<std::ptrdiff_t>(tb);
  if (from >= to || off < -128 || off > 127) return out;
  out.chk.off = static_cast<std::int8_t>(off);
  for (std::size_t j = from; j < to; ++j) {
    if (pat[j] == '^') continue;
    out.chk.mask = static_cast<std::uint8_t>(out.chk.mask | (1U << (j - from)));
    out.chk.c[j - from] = kChars.fold[uc(pat[j])];
  }
  return out;
}

TableBuild build_table(std::unordered_map<std::uint32_t, std::vector<std::uint32_t>>& buckets,
                       const std::vector<FilterRec>& recs, const std::vector<CandChecks>& checks,
                       bool token_index) {
  TableBuild t;
  std::size_t cap = 16;
  // Load factor <= 0.75, or 0.375 for the token index: a request looks up ~5 tokens there,
  // and at up to 0.75 a lookup took ~2 probes, whose count the branch predictor cannot know
  // (256 KiB more for EasyList + EasyPrivacy; the hostname index is probed far less often).
  while (cap * 3 < buckets.size() * (token_index ? 8 : 4) + 4) cap <<= 1;
  t.slots.assign(cap, Slot{0, 0, 0, 0, 0, 0});
  if (token_index) t.edges.assign(cap, 0);
  unsigned log2 = kMinBitsetLog;
  while (log2 < kMaxBitsetLog && (std::size_t{1} << log2) < buckets.size() * 16) ++log2;
  t.bits.assign(std::size_t{1} << (log2 - 6), 0);
  const unsigned shift = 32 - log2;
  // Deterministic order: sort keys.
  std::vector<std::uint32_t> keys;
  keys.reserve(buckets.size());
  for (const auto& [k, v] : buckets) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  for (std::uint32_t key : keys) {
    auto& ids = buckets[key];
    const auto rank = [&](std::uint32_t id) {
      const FilterRec& f = recs[id];
      if (f.flags & kFlagException) return 2;
      return (f.flags & kFlagImportant) ? 0 : 1;
    };
    std::sort(ids.begin(), ids.end(), [&](std::uint32_t a, std::uint32_t b) {
      return rank(a) != rank(b) ? rank(a) < rank(b) : a < b;
    });
    if (ids.size() > 0xFFFF) ids.resize(0xFFFF);  // far beyond real lists; keeps counts in range
    Slot s{
        key, static_cast<std::uint32_t>(t.ids.size()), static_cast<std::uint16_t>(ids.size()), 0, 0,
        0};
    std::uint32_t before = 0, after = 0;  // the bucket's edge set
    for (std::uint32_t id : ids) {
      const int r = rank(id);
      if (r == 0) ++s.n_important;
      if (r == 1) ++s.n_block;
      const FilterRec& f = recs[id];
      s.types = static_cast<std::uint16_t>(s.types | (f.types & 0x1FFF));
      Cand c{id, static_cast<std::uint16_t>((f.types & 0x1FFF) | (f.category << 13)), 0, 0};
      if (token_index) {
        c.pre = checks[id].pre;
        c.post = checks[id].post;
        t.chks.push_back(checks[id].chk);
        before |= c.pre == 0 ? TokenEdgeClasses::kAll : 1U << kEdgeClass(static_cast<char>(c.pre));
        after |= c.post == 0 ? TokenEdgeClasses::kAll : 1U << kEdgeClass(static_cast<char>(c.post));
      }
      t.ids.push_back(c);
    }
    const std::size_t mask = cap - 1;
    std::size_t i = key & mask;
    while (t.slots[i].key != 0) i = (i + 1) & mask;
    t.slots[i] = s;
    if (token_index) t.edges[i] = before | (after << 16);
    bit_set(t.bits, shift, key);
  }
  return t;
}

class ImageWriter {
 public:
  ImageWriter() { out_.resize(sizeof(Header)); }
  template <typename T>
  void put(Section s, const T* data, std::size_t count) {
    while (out_.size() % 8 != 0) out_.push_back(std::byte{0});
    header_.sections[s] = {out_.size(), count * sizeof(T)};
    const auto* p = reinterpret_cast<const std::byte*>(data);
    out_.insert(out_.end(), p, p + count * sizeof(T));
  }
  template <typename T>
  void put(Section s, const std::vector<T>& v) {
    put(s, v.data(), v.size());
  }
  std::vector<std::byte> finish(std::uint32_t regex_count) {
    while (out_.size() % 8 != 0) out_.push_back(std::byte{0});
    std::memcpy(header_.magic, kMagic, sizeof(kMagic));
    header_.version = kImageFormatVersion;
    header_.section_count = kSectionCount;
    header_.total_size = out_.size();
    header_.regex_count = regex_count;
    std::memcpy(out_.data(), &header_, sizeof(Header));
    return std::move(out_);
  }

 private:
  Header header_{};
  std::vector<std::byte> out_;
};

}  // namespace

Matcher Matcher::build(const std::vector<ListSource>& sources,
                       const std::vector<SourceFingerprint>& fingerprints) {
  std::vector<ListRec> list_recs(sources.size());
  std::vector<Pending> pending;
  pending.reserve(140000);
  std::unordered_set<std::string> badfilters;

  for (std::size_t li = 0; li < sources.size(); ++li) {
    const ListSource& src = sources[li];
    ListRec& lr = list_recs[li];
    lr = ListRec{};
    lr.category = static_cast<std::uint32_t>(src.category);
    std::string_view text = src.text;
    while (!text.empty()) {
      std::size_t nl = text.find('\n');
      const std::string_view line = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
      ++lr.lines;
      ParseResult pr = parse_filter_line(line);
      if (!pr.filter) {
        ++lr.reasons[static_cast<int>(pr.reason)];
        if (pr.reason != SkipReason::empty) ++lr.skipped;
        continue;
      }
      if (pr.filter->badfilter) {
        ++lr.badfilters;
        badfilters.insert(badfilter_twin(pr.filter->raw));
        continue;
      }
      pending.push_back(
          Pending{std::move(*pr.filter), static_cast<std::uint16_t>(li), src.category});
    }
  }

  StringPool pool;
  std::vector<FilterRec> recs;
  std::vector<DomainRec> doms;
  std::vector<std::uint32_t> dom_hashes;  // parallel to doms
  std::vector<Pending*> kept;
  struct TokenOf {
    std::uint32_t id;
    std::uint32_t key;
    const NetworkFilter* filter;
    bool bounded_bad = false;  // every token is bad, the chosen one bounded
  };
  std::vector<TokenOf> token_of;  // the token-indexed filters, in id order
  recs.reserve(pending.size());
  std::uint32_t regex_count = 0;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> host_b, token_b, doc_b;
  std::vector<std::uint32_t> any_ids;

  for (Pending& p : pending) {
    ListRec& lr = list_recs[p.list];
    if (!badfilters.empty() && badfilters.count(p.f.raw) != 0) {
      ++lr.badfiltered;
      continue;
    }
    ++lr.loaded;
    const NetworkFilter& f = p.f;
    FilterRec r{};
    r.raw_off = pool.add(f.raw);
    r.raw_len = static_cast<std::uint32_t>(f.raw.size());
    // The pattern is usually a piece of the raw text (`||host^` -> `host`): share it.
    const std::size_t in_raw = f.pattern.empty() ? 0 : f.raw.find(f.pattern);
    r.pat_off = in_raw != std::string::npos ? r.raw_off + static_cast<std::uint32_t>(in_raw)
                                            : pool.add(f.pattern);
    r.pat_len = static_cast<std::uint32_t>(f.pattern.size());
    r.types = f.types;
    r.list = p.list;
    r.category = static_cast<std::uint8_t>(p.category);
    r.kind = static_cast<std::uint8_t>(f.pattern_kind);
    r.party = static_cast<std::uint8_t>(f.party);
    r.token_beg = kNoToken;
    std::uint16_t flags = 0;
    if (f.exception) flags |= kFlagException;
    if (f.important && !f.exception) flags |= kFlagImportant;
    if (f.right_anchored) flags |= kFlagRight;
    if (f.match_case) flags |= kFlagCase;
    if (f.redirect) flags |= kFlagRedirect;
    if (f.pattern_kind != PatternKind::regex && f.pattern_kind != PatternKind::hostname_only &&
        f.pattern.find_first_of("*^") != std::string::npos) {
      flags |= kFlagGeneric;
    }
    r.dom_begin = static_cast<std::uint32_t>(doms.size());
    const auto add_domains = [&](const std::vector<std::string>& list, DomainWhich which) {
      for (const std::string& d : list) {
        const bool entity = d.size() > 2 && d.compare(d.size() - 2, 2, ".*") == 0;
        if (entity) flags |= kFlagEntity;
        doms.push_back(DomainRec{
            pool.add_shared(d), static_cast<std::uint16_t>(std::min<std::size_t>(d.size(), 0xFFFF)),
            which, static_cast<std::uint8_t>(entity)});
      }
    };
    add_domains(f.from.include, kFromInclude);
    add_domains(f.from.exclude, kFromExclude);
    add_domains(f.to.include, kToInclude);
    add_domains(f.to.exclude, kToExclude);
    add_domains(f.denyallow.include, kDenyAllow);
    if (!f.from.empty()) flags |= kFlagFrom;
    if (!f.to.empty()) flags |= kFlagTo;
    if (!f.denyallow.empty()) flags |= kFlagDeny;
    r.dom_count =
        static_cast<std::uint16_t>(std::min<std::size_t>(doms.size() - r.dom_begin, 0xFFFF));
    doms.resize(r.dom_begin + r.dom_count);
    for (std::size_t i = dom_hashes.size(); i < doms.size(); ++i) {
      dom_hashes.push_back(reverse_hash(pool.str(doms[i].off, doms[i].len)));
    }
    if (!f.from.include.empty()) r.dom_info |= kDomFromInclude;
    if (!f.to.include.empty()) r.dom_info |= kDomToInclude;
    const auto dom_first = static_cast<std::ptrdiff_t>(r.dom_begin);
    const bool has_empty = std::any_of(doms.begin() + dom_first, doms.end(),
                                       [](const DomainRec& d) { return d.len == 0; });
    if (r.dom_count > kLinearDomains && !has_empty) {
      // Sorted by hash (domain_hits looks each label suffix up); the order of a filter's
      // entries never matters.
      std::vector<std::pair<std::uint32_t, DomainRec>> sorted;
      for (std::size_t i = r.dom_begin; i < doms.size(); ++i)
        sorted.emplace_back(dom_hashes[i], doms[i]);
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (std::size_t i = 0; i < sorted.size(); ++i) {
        dom_hashes[r.dom_begin + i] = sorted[i].first;
        doms[r.dom_begin + i] = sorted[i].second;
      }
      r.dom_info |= kDomHashed;
    }
    if (f.pattern_kind == PatternKind::regex) r.regex = regex_count++;

    const auto id = static_cast<std::uint32_t>(recs.size());
    TokenChoice tok;
    if (f.pattern_kind == PatternKind::hostname_only) {
      host_b[reverse_hash(f.pattern)].push_back(id);
    } else {
      tok =
          f.pattern_kind == PatternKind::regex ? regex_token(f.pattern) : pattern_token(f.pattern);
      if (tok.key != 0) {
        r.token_beg = f.pattern_kind == PatternKind::regex ? kNoToken : tok.beg;
        // A regex's token is not re-chosen; a common one (`com`) sends a regex with
        // `domain=` to the document index (below).
        token_of.push_back({id, tok.key, &f, f.pattern_kind == PatternKind::regex && tok.bad > 0});
      } else {
        const bool doc_indexable = !f.from.include.empty() && (flags & kFlagEntity) == 0;
        if (doc_indexable) {
          for (const std::string& d : f.from.include) doc_b[reverse_hash(d)].push_back(id);
        } else {
          any_ids.push_back(id);
        }
      }
    }
    r.flags = flags;
    recs.push_back(r);
  }

  // Token choice. uBO's token (pattern_token) decides which URLs reach a filter; when it is
  // bounded (token_bounded), every match of the pattern has it at a URL token, and so has
  // every other bounded token of the pattern: any of them gives the same matches. Of those
  // no worse than uBO's (token_badness), the one shared by the fewest filters is taken, so
  // the bucket a URL token probes stays short (e.g. 121 EasyPrivacy patterns start with
  // `/analytics-`).
  {
    std::unordered_map<std::uint32_t, std::uint32_t> bucket_size;
    for (const TokenOf& t : token_of) ++bucket_size[t.key];
    for (TokenOf& t : token_of) {
      const NetworkFilter& f = *t.filter;
      FilterRec& r = recs[t.id];
      if (f.pattern_kind == PatternKind::regex ||
          !token_bounded(f.pattern, f.pattern_kind, f.right_anchored, r.token_beg)) {
        continue;
      }
      const std::string_view p = f.pattern;
      std::string lowered;
      const auto token_at = [&](std::size_t i, std::size_t j) {
        lowered.assign(p.substr(i, j - i));
        for (char& c : lowered) c = kChars.fold[uc(c)];
        return std::string_view(lowered);
      };
      std::size_t e0 = r.token_beg;
      while (e0 < p.size() && kChars.token[uc(p[e0])] != 0) ++e0;
      // A one-character token ranks just below `www` (uBO ranks it 1, below every listed
      // token, but `1` or `s` is a token of many URLs; still of fewer than `https`, `com`,
      // `js` and `www`, each in over a quarter of them by uBO's figures).
      // A token is as bad as its key (its first kMaxTokenChars characters) is.
      const auto badness = [](std::string_view tk) {
        return tk.size() == 1 ? kOneCharBadness : key_badness(tk);
      };
      int bad0 = badness(token_at(r.token_beg, e0));
      --bucket_size[t.key];
      std::uint32_t best_key = t.key;
      std::size_t best_beg = r.token_beg;
      std::uint32_t best_size = bucket_size[t.key];
      for (std::size_t i = 0; i < p.size() && i < kNoToken;) {
        if (kChars.token[uc(p[i])] == 0) {
          ++i;
          continue;
        }
        std::size_t j = i;
        while (j < p.size() && kChars.token[uc(p[j])] != 0) ++j;
        if (i != r.token_beg && token_bounded(p, f.pattern_kind, f.right_anchored, i)) {
          const std::string_view tk = token_at(i, j);
          const std::uint32_t key = token_key(token_hash(tk));
          const auto it = bucket_size.find(key);
          const std::uint32_t size = it == bucket_size.end() ? 0 : it->second;
          if (badness(tk) < bad0 || (badness(tk) == bad0 && size < best_size)) {
            bad0 = badness(tk);
            best_key = key;
            best_beg = i;
            best_size = size;
          }
        }
        i = j;
      }
      ++bucket_size[best_key];
      t.key = best_key;
      t.bounded_bad = bad0 > 0;
      r.token_beg = static_cast<std::uint16_t>(best_beg);
    }
  }
  std::vector<CandChecks> checks(recs.size());  // per filter: see Cand and Chk
  for (const TokenOf& t : token_of) {
    const NetworkFilter& f = *t.filter;
    FilterRec& r = recs[t.id];
    // Only common tokens (`com`, `1`) and a `domain=` list: indexed by its domains instead,
    // which is the same (its bounded token makes a match anywhere a match at the token; a
    // regex is matched anywhere, and every match holds its token).
    if (t.bounded_bad && !f.from.include.empty() && (r.flags & kFlagEntity) == 0) {
      for (const std::string& d : f.from.include) doc_b[reverse_hash(d)].push_back(t.id);
      r.token_beg = kNoToken;
      continue;
    }
    std::size_t token_len = 0;  // in the pattern (a regex's: unknown)
    if (f.pattern_kind != PatternKind::regex) {
      if ((r.flags & kFlagGeneric) &&
          token_bounded(f.pattern, f.pattern_kind, f.right_anchored, r.token_beg)) {
        r.flags |= kFlagAnchored;
      }
      // Checks only for a pattern matched at its token (pattern_matches_at compares there).
      if ((r.flags & kFlagGeneric) == 0 || (r.flags & kFlagAnchored)) {
        checks[t.id] = cand_checks(f.pattern, r.token_beg);
      }
      while (r.token_beg + token_len < f.pattern.size() &&
             kChars.token[uc(f.pattern[r.token_beg + token_len])] != 0) {
        ++token_len;
      }
    }
    // The bucket of the class of the character its pattern wants after the token (class 0
    // for a longer token), or with no such check every class's (see NextCharSalts).
    const std::uint8_t post = checks[t.id].post;
    if (post != 0) {
      const std::uint32_t salt =
          token_len <= kMaxTokenChars ? kNextChar.salt[kEdgeClass(static_cast<char>(post))] : 0;
      token_b[t.key ^ salt].push_back(t.id);
    } else {
      for (const std::uint32_t salt : kNextChar.salt) token_b[t.key ^ salt].push_back(t.id);
    }
  }

  TableBuild host_t = build_table(host_b, recs, checks, false);
  TableBuild token_t = build_table(token_b, recs, checks, true);
  TableBuild doc_t = build_table(doc_b, recs, checks, false);
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> any_b;
  if (!any_ids.empty()) any_b[1] = any_ids;
  TableBuild any_t = build_table(any_b, recs, checks, false);
  // The "any" bucket is stored as one slot.
  Slot any_slot{1, 0, 0, 0, 0, 0};
  for (const Slot& s : any_t.slots) {
    if (s.key != 0) any_slot = s;
  }

  for (std::size_t li = 0; li < sources.size(); ++li) {
    list_recs[li].name_off = pool.add(sources[li].name);
    list_recs[li].name_len = static_cast<std::uint32_t>(sources[li].name.size());
  }
  std::vector<FingerprintRec> prints;
  prints.reserve(fingerprints.size());
  for (const SourceFingerprint& fp : fingerprints) {
    prints.push_back(FingerprintRec{pool.add(fp.name), static_cast<std::uint32_t>(fp.name.size()),
                                    fp.size, fp.mtime_ns, fp.hash});
  }

  ImageWriter w;
  w.put(kStrings, pool.data().data(), pool.data().size());
  w.put(kFilters, recs);
  w.put(kDomains, doms);
  w.put(kHostSlots, host_t.slots);
  w.put(kHostIds, host_t.ids);
  w.put(kHostBits, host_t.bits);
  w.put(kTokenSlots, token_t.slots);
  w.put(kTokenIds, token_t.ids);
  w.put(kTokenBits, token_t.bits);
  w.put(kDocSlots, doc_t.slots);
  w.put(kDocIds, doc_t.ids);
  w.put(kDocBits, doc_t.bits);
  w.put(kAnySlot, &any_slot, 1);
  w.put(kAnyIds, any_t.ids);
  w.put(kLists, list_recs);
  w.put(kFingerprints, prints);
  w.put(kTokenChecks, token_t.chks);
  w.put(kDomainHashes, dom_hashes);
  w.put(kTokenEdges, token_t.edges);
  return from_image(std::make_shared<OwnedImage>(w.finish(regex_count)));
}

}  // namespace optguard::filters
