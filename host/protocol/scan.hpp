#pragma once
// Byte scans of the protocol's hot path, 16 bytes at a time where SSE2 exists (every
// x86-64), 8 at a time otherwise.
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace optguard::protocol::scan {

inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
inline constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

constexpr std::uint64_t has_byte(std::uint64_t w, unsigned char c) {
  const std::uint64_t x = w ^ (kOnes * c);
  return (x - kOnes) & ~x & kHighs;
}

// The bytes of an 8-byte word that a scan stops at (each one's top bit set; a byte above a
// true hit may be marked too, so only the lowest mark is exact).
template <bool kControls, bool kHigh>
constexpr std::uint64_t special_bytes(std::uint64_t w) {
  std::uint64_t hits = has_byte(w, '"') | has_byte(w, '\\');
  if constexpr (kControls) hits |= (w - kOnes * 0x20) & ~w & kHighs;
  if constexpr (kHigh) hits |= w & kHighs;
  return hits;
}

// The first byte in [p, end) that is '"' or '\\' (with kControls also a control byte below
// 0x20: what a JSON string must escape; with kHigh also a byte from 0x80: not ASCII), or end.
// Reads only [p, end): the last bytes of a range are checked by one load that overlaps the
// bytes already checked, not byte by byte.
template <bool kControls, bool kHigh = false>
inline const char* to_special(const char* p, const char* end) {
  const char* const begin = p;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  [[maybe_unused]] const __m128i max_control = _mm_set1_epi8(0x1F);
  const auto special16 = [&](const char* at) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    __m128i hits = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
    if constexpr (kControls) {
      hits = _mm_or_si128(hits, _mm_cmpeq_epi8(_mm_min_epu8(v, max_control), v));  // v <= 0x1F
    }
    if constexpr (kHigh) hits = _mm_or_si128(hits, v);  // the mask takes each byte's top bit
    return static_cast<unsigned>(_mm_movemask_epi8(hits));
  };
  if (end - begin >= 16) {
    while (end - p >= 16) {
      const unsigned mask = special16(p);
      if (mask != 0) return p + __builtin_ctz(mask);
      p += 16;
    }
    if (p == end) return end;
    // The last 16 bytes, of which those before p were checked already.
    const char* const last = end - 16;
    const unsigned mask = special16(last) & (~0U << static_cast<unsigned>(p - last));
    return mask != 0 ? last + __builtin_ctz(mask) : end;
  }
#endif
  const auto word_at = [](const char* at) {
    std::uint64_t w = 0;
    std::memcpy(&w, at, 8);
    return w;
  };
  const auto first_byte = [](std::uint64_t hits) {  // hits != 0; little-endian byte order
    return static_cast<std::size_t>(__builtin_ctzll(hits)) / 8;
  };
  if (end - begin >= 8) {
    while (end - p >= 8) {
      const std::uint64_t hits = special_bytes<kControls, kHigh>(word_at(p));
      if (hits != 0) return p + first_byte(hits);
      p += 8;
    }
    if (p == end) return end;
    const char* const last = end - 8;
    // Bytes before p had no hit, so none of them marks a byte above it falsely.
    const std::uint64_t hits =
        special_bytes<kControls, kHigh>(word_at(last)) & (~0ULL << (8 * (p - last)));
    return hits != 0 ? last + first_byte(hits) : end;
  }
  if (end - p >= 4) {
    // 4 to 7 bytes: the first four and the last four (overlapping) in one word.
    std::uint32_t lo = 0;
    std::uint32_t hi = 0;
    const auto n = static_cast<std::size_t>(end - p);
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, end - 4, 4);
    const std::uint64_t hits = special_bytes<kControls, kHigh>(lo | (std::uint64_t{hi} << 32));
    if (hits == 0) return end;
    const std::size_t i = first_byte(hits);
    return i < 4 ? p + i : p + (n - 4) + (i - 4);
  }
  while (p < end) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\' || (kControls && c < 0x20) || (kHigh && c >= 0x80)) break;
    ++p;
  }
  return p;
}

// The first '"' or '\\' in [p, end), or end (skipping a string's content).
inline const char* to_quote_or_backslash(const char* p, const char* end) {
  return to_special<false>(p, end);
}

// The first byte in [p, end) that a JSON string must escape ('"', '\\', below 0x20), or end.
inline const char* to_escape(const char* p, const char* end) {
  return to_special<true>(p, end);
}

}  // namespace optguard::protocol::scan
