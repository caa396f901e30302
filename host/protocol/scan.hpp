#pragma once
// Byte scans of the protocol's hot path, 16 bytes at a time where SSE2 exists (every
// x86-64), 8 at a time otherwise.
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

// The first byte in [p, end) that is '"' or '\\' (with kControls also a control byte below
// 0x20: what a JSON string must escape; with kHigh also a byte from 0x80: not ASCII), or end.
template <bool kControls, bool kHigh = false>
inline const char* to_special(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  [[maybe_unused]] const __m128i max_control = _mm_set1_epi8(0x1F);
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i hits = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
    if constexpr (kControls) {
      hits = _mm_or_si128(hits, _mm_cmpeq_epi8(_mm_min_epu8(v, max_control), v));  // v <= 0x1F
    }
    if constexpr (kHigh) hits = _mm_or_si128(hits, v);  // the mask takes each byte's top bit
    const int mask = _mm_movemask_epi8(hits);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (end - p >= 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, 8);
    std::uint64_t hits = has_byte(w, '"') | has_byte(w, '\\');
    if constexpr (kControls) hits |= (w - kOnes * 0x20) & ~w & kHighs;
    if constexpr (kHigh) hits |= w & kHighs;
    if (hits != 0) break;
    p += 8;
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
