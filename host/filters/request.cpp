#include "filters/request.hpp"

#include <idn2.h>
#include <libpsl.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace optguard::filters {
namespace {

struct PslDeleter {
  void operator()(psl_ctx_t* p) const { psl_free(p); }
};

// The newest public suffix list on the system (psl_latest), falling back to the built-in one.
const psl_ctx_t* psl() {
  static const std::unique_ptr<psl_ctx_t, PslDeleter> ctx(psl_latest(nullptr));
  if (ctx) return ctx.get();
  return psl_builtin();
}

template <typename T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);  // a constant size: one load, no call
  return v;
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Lowercases s[from..to) (ASCII only).
void lower_in_place(std::string& s, std::size_t from, std::size_t to = std::string::npos) {
  to = std::min(to, s.size());
  for (std::size_t i = from; i < to; ++i) s[i] = lower(s[i]);
}

bool is_scheme_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '-' || c == '.';
}

bool is_ip_literal(std::string_view host) {
  if (host.empty()) return false;
  if (host.find(':') != std::string_view::npos) return true;  // IPv6 (brackets already removed)
  // IPv4: digits and dots only, last label numeric.
  for (char c : host) {
    if (!((c >= '0' && c <= '9') || c == '.')) return false;
  }
  return true;
}

constexpr std::uint8_t kDomain = 1, kSourceDomain = 2, kEntity = 4, kSourceEntity = 8;

std::string entity_of(std::string_view host) {
  if (host.empty() || is_ip_literal(host)) return {};
  const std::string suffix = public_suffix(host);
  if (suffix.empty() || suffix.size() >= host.size()) return {};
  std::string out(host.substr(0, host.size() - suffix.size()));
  out += '*';
  return out;
}

}  // namespace

ParsedUrl parse_url(std::string_view input) {
  ParsedUrl out;
  parse_url_into(input, out);
  return out;
}

namespace detail {
void parse_url_general(std::string_view input, ParsedUrl& out, bool authority_only) {
  out.url.clear();
  out.host_begin = out.host_end = 0;
  out.has_authority = false;
  // Trim whitespace and control characters at both ends.
  while (!input.empty() && static_cast<unsigned char>(input.front()) <= 0x20)
    input.remove_prefix(1);
  while (!input.empty() && static_cast<unsigned char>(input.back()) <= 0x20) input.remove_suffix(1);
  std::size_t colon = 0;
  while (colon < input.size() && is_scheme_char(input[colon])) ++colon;
  const bool has_scheme =
      colon > 0 && colon < input.size() && input[colon] == ':' &&
      ((input[0] >= 'a' && input[0] <= 'z') || (input[0] >= 'A' && input[0] <= 'Z'));
  if (!has_scheme) {
    out.url.assign(input);
    return;
  }
  out.url.reserve(input.size() + 2);
  out.url.append(input.substr(0, colon + 1));
  lower_in_place(out.url, 0);
  std::string_view rest = input.substr(colon + 1);
  if (rest.size() < 2 || rest[0] != '/' || rest[1] != '/') {
    out.url.append(rest);  // data:, blob:, about:, mailto: ... no authority
    return;
  }
  out.url += "//";
  rest.remove_prefix(2);
  // (A plain loop: find_first_of calls memchr over its 4-byte set for each character.)
  std::size_t auth_end = 0;
  while (auth_end < rest.size()) {
    const char c = rest[auth_end];
    if (c == '/' || c == '?' || c == '#' || c == '\\') break;
    ++auth_end;
  }
  std::string_view authority = rest.substr(0, auth_end);
  const std::string_view tail = rest.substr(auth_end);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);  // userinfo is not part of the host
  }
  std::string_view host = authority;
  std::string_view port;
  bool bracketed = false;
  if (!host.empty() && host.front() == '[') {
    const std::size_t close = host.find(']');
    if (close != std::string_view::npos) {
      bracketed = true;
      port = host.substr(close + 1);
      host = host.substr(1, close - 1);
    }
  } else if (const std::size_t c = host.find(':'); c != std::string_view::npos) {
    port = host.substr(c);
    host = host.substr(0, c);
  }
  bool ascii = true;
  bool control = false;  // NUL and control bytes: not a hostname; kept as they are
  for (char c : host) {
    if (static_cast<unsigned char>(c) >= 0x80) ascii = false;
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) control = true;
  }
  std::string ascii_host;
  if (!ascii && !control) {
    std::string in(host);
    char* converted = nullptr;
    const int rc = idn2_to_ascii_8z(in.c_str(), &converted, IDN2_NONTRANSITIONAL);
    const std::unique_ptr<char, decltype(&std::free)> guard(converted, &std::free);
    if (rc == IDN2_OK && converted != nullptr) {
      ascii_host = converted;
    } else {
      ascii_host = in;  // keep the bytes; such a host matches nothing by name
    }
    host = ascii_host;
  }
  if (bracketed) out.url += '[';
  out.host_begin = static_cast<std::uint32_t>(out.url.size());
  out.url.append(host);
  lower_in_place(out.url, out.host_begin);
  out.host_end = static_cast<std::uint32_t>(out.url.size());
  if (bracketed) out.url += ']';
  if (!authority_only) {
    out.url.append(port);
    out.url.append(tail);
  }
  out.has_authority = true;
}

}  // namespace detail

namespace {
// Classes of the bytes of an authority for the common-case parser below.
enum : std::uint8_t { kAuthStop = 1, kAuthUpper = 2, kAuthOdd = 4 };
struct AuthTable {
  std::array<std::uint8_t, 256> cls{};
  constexpr AuthTable() {
    for (int c = 0; c < 256; ++c) {
      std::uint8_t v = 0;
      if (c == '/' || c == '?' || c == '#' || c == '\\') v = kAuthStop;
      if (c >= 'A' && c <= 'Z') v = kAuthUpper;
      // userinfo, IPv6 literals, whitespace, control and non-ASCII bytes: the general parser
      if (c == '@' || c == '[' || c <= 0x20 || c >= 0x7f) v = kAuthOdd;
      cls[c] = v;
    }
  }
};
constexpr AuthTable kAuth;

#if defined(__SSE2__)
// For the 16 bytes at p: bit i of `stop` for '/', '?', '#' (the end of an authority); bit i of
// `rare` for what the fast path leaves to the byte loop: '@' 'A'-'Z' '[' '\\' (one range,
// 0x40-0x5c: so '\\', the fourth end of an authority, costs no compare of its own), ':',
// 0x7f, whitespace, control and non-ASCII bytes.
struct AuthBlock {
  std::uint32_t stop, rare;
};
AuthBlock classify16(const char* p) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const auto eq = [&](char c) { return _mm_cmpeq_epi8(x, _mm_set1_epi8(c)); };
  const auto mask = [](__m128i v) { return static_cast<std::uint32_t>(_mm_movemask_epi8(v)); };
  const std::uint32_t stop = mask(_mm_or_si128(_mm_or_si128(eq('/'), eq('?')), eq('#')));
  // 0x40 + k for k < 0x1d, as a signed compare after moving 0x40 to -128.
  const __m128i at = _mm_add_epi8(x, _mm_set1_epi8(static_cast<char>(128 - 0x40)));
  const __m128i range = _mm_cmplt_epi8(at, _mm_set1_epi8(static_cast<char>(-128 + 0x1d)));
  // Bytes <= 0x20 and >= 0x80 (negative as signed).
  const __m128i low = _mm_cmplt_epi8(x, _mm_set1_epi8(0x21));
  const std::uint32_t rare =
      mask(_mm_or_si128(_mm_or_si128(range, low), _mm_or_si128(eq(0x7f), eq(':'))));
  return {stop, rare};
}
#endif

// The authority one byte at a time, from host_begin (after `scheme://`): short inputs, ports,
// uppercase, other schemes and the odd bytes (those to the general parser).
[[gnu::noinline]] std::string_view parse_authority_bytes(std::string_view input, ParsedUrl& out,
                                                         bool authority_only, std::size_t colon,
                                                         bool scheme_upper) {
  const char* s = input.data();
  const std::size_t n = input.size();
  const std::size_t host_begin = colon + 3;
  std::size_t port = std::string_view::npos;
  std::uint8_t seen = 0;
  std::size_t i = host_begin;
  for (; i < n; ++i) {
    const std::uint8_t c = kAuth.cls[static_cast<unsigned char>(s[i])];
    if (c & kAuthStop) break;
    seen |= c;
    if (s[i] == ':' && port == std::string_view::npos) port = i;
  }
  if (seen & kAuthOdd) {
    detail::parse_url_general(input, out, authority_only);
    return out.url;
  }
  const std::size_t host_end = port == std::string_view::npos ? i : port;
  out.host_begin = static_cast<std::uint32_t>(host_begin);
  out.host_end = static_cast<std::uint32_t>(host_end);
  out.has_authority = true;
  const std::size_t len = authority_only ? host_end : n;
  if (!scheme_upper && (seen & kAuthUpper) == 0) return {s, len};
  out.url.assign(s, len);
  if (scheme_upper) lower_in_place(out.url, 0, colon);
  if (seen & kAuthUpper) lower_in_place(out.url, host_begin, host_end);
  return out.url;
}

// Any scheme: finds the colon, then the byte loop above (or the general parser).
[[gnu::noinline]] std::string_view parse_url_other_scheme(std::string_view input, ParsedUrl& out,
                                                          bool authority_only) {
  const std::size_t n = input.size();
  const char* s = input.data();
  if (n < 4 || static_cast<unsigned char>(s[0]) <= 0x20 ||
      static_cast<unsigned char>(s[n - 1]) <= 0x20) {
    detail::parse_url_general(input, out, authority_only);
    return out.url;
  }
  std::size_t colon = 0;
  bool scheme_upper = false;
  while (colon < n && is_scheme_char(s[colon])) {
    scheme_upper |= s[colon] >= 'A' && s[colon] <= 'Z';
    ++colon;
  }
  const bool alpha0 = (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z');
  if (colon == 0 || colon + 2 >= n || s[colon] != ':' || !alpha0 || s[colon + 1] != '/' ||
      s[colon + 2] != '/') {
    detail::parse_url_general(input, out, authority_only);
    return out.url;
  }
  return parse_authority_bytes(input, out, authority_only, colon, scheme_upper);
}

// The common case in one pass: `scheme://host[:port]...` with an ASCII host, no userinfo, no
// IPv6 literal and nothing to trim. Anything else takes the general parser, which gives the
// same result for these inputs (fuzz_url checks that they agree).
// Fastest, here, for `http(s)://` and a lowercase host without a port (16 bytes at a time,
// one branch a block); the rest goes out of line (so the fast path saves fewer registers).
// When the normalised URL is the input itself (or, authority_only, a prefix of it), that is
// returned and nothing is copied; otherwise it is written to out.url and that is returned.

// (Inlined into Request::assign_views, twice a request: a call each cost ~1.5 % of the
// median in bench match.)
[[gnu::always_inline]] inline std::string_view view_url(std::string_view input, ParsedUrl& out,
                                                        bool authority_only) {
  const std::size_t n = input.size();
  const char* s = input.data();
  std::size_t colon = 0;
  // "https://" / "http://" as word compares (memcmp with a constant size of 7 is a call).
  if (n >= 8 && load<std::uint64_t>(s) == load<std::uint64_t>("https://") &&
      static_cast<unsigned char>(s[n - 1]) > 0x20) {
    colon = 5;
  } else if (n >= 8 && load<std::uint32_t>(s) == load<std::uint32_t>("http") &&
             load<std::uint32_t>(s + 3) == load<std::uint32_t>("p://") &&
             static_cast<unsigned char>(s[n - 1]) > 0x20) {
    colon = 4;
  } else {
    return parse_url_other_scheme(input, out, authority_only);
  }
  const std::size_t host_begin = colon + 3;
#if defined(__SSE2__)
  if (n >= 16) {
    // 16 bytes at a time; the last block is the input's last 16 bytes, overlapping the one
    // before (no read past the end), its bytes already seen shifted out.
    std::size_t i = host_begin;
    for (;;) {
      const std::size_t at = std::min(i, n - 16);
      AuthBlock b = classify16(s + at);
      if (at + 16 == n) b.stop |= 1U << 16;  // the end of the input ends the authority
      const auto shift = static_cast<unsigned>(i - at);
      b.stop >>= shift;
      b.rare >>= shift;
      if (b.stop != 0) {
        const auto lim = static_cast<unsigned>(__builtin_ctz(b.stop));
        if ((b.rare & ((1U << lim) - 1)) != 0) break;  // lim <= 16
        const std::size_t host_end = i + lim;
        out.host_begin = static_cast<std::uint32_t>(host_begin);
        out.host_end = static_cast<std::uint32_t>(host_end);
        out.has_authority = true;
        return {s, authority_only ? host_end : n};
      }
      if (b.rare != 0) break;
      i += 16;
    }
  }
#endif
  return parse_authority_bytes(input, out, authority_only, colon, false);
}
}  // namespace

std::string_view parse_url_view(std::string_view input, ParsedUrl& scratch, bool authority_only) {
  return view_url(input, scratch, authority_only);
}

void parse_url_into(std::string_view input, ParsedUrl& out, bool authority_only) {
  const std::string_view url = parse_url_view(input, out, authority_only);
  // The input itself, or a prefix of it: copied (or cut, when the input is out.url).
  if (url.data() == out.url.data()) {
    out.url.resize(url.size());
  } else {
    out.url.assign(url);
  }
}

namespace {
// The registrable domain of `hostname` as a piece of it (libpsl answers with a pointer into
// the NUL-terminated copy it is given: a stack buffer, no allocation per request).
std::string_view registrable_domain_view(std::string_view hostname) {
  if (hostname.empty() || is_ip_literal(hostname)) return hostname;
  std::array<char, 256> buf;
  if (hostname.size() >= buf.size()) {
    const std::string host(hostname);
    const char* reg = psl_registrable_domain(psl(), host.c_str());
    return reg == nullptr ? hostname
                          : hostname.substr(static_cast<std::size_t>(reg - host.c_str()));
  }
  std::memcpy(buf.data(), hostname.data(), hostname.size());
  buf[hostname.size()] = '\0';
  const char* reg = psl_registrable_domain(psl(), buf.data());
  return reg == nullptr ? hostname : hostname.substr(static_cast<std::size_t>(reg - buf.data()));
}
}  // namespace

std::string registrable_domain(std::string_view hostname) {
  return std::string(registrable_domain_view(hostname));
}

std::string public_suffix(std::string_view hostname) {
  if (hostname.empty()) return {};
  const std::string host(hostname);
  const char* reg = psl_registrable_domain(psl(), host.c_str());
  if (reg == nullptr) return {};
  const std::string_view r(reg);
  const std::size_t dot = r.find('.');
  if (dot == std::string_view::npos) return {};
  return std::string(r.substr(dot + 1));
}

namespace {
struct TypeName {
  std::string_view name;
  std::uint32_t bit;
};
constexpr std::array<TypeName, 31> kTypeNames = {{
    {"main_frame", kMainFrame},
    {"sub_frame", kSubFrame},
    {"stylesheet", kStylesheet},
    {"script", kScript},
    {"image", kImage},
    {"font", kFont},
    {"object", kObject},
    {"xmlhttprequest", kXmlHttpRequest},
    {"ping", kPing},
    {"media", kMedia},
    {"websocket", kWebSocket},
    {"other", kOther},
    {"popup", kPopup},
    {"csp_report", kPing},
    {"beacon", kPing},
    {"imageset", kImage},
    {"object_subrequest", kObject},
    {"sub_document", kSubFrame},
    {"subdocument", kSubFrame},
    {"frame", kSubFrame},
    {"document", kMainFrame},
    {"doc", kMainFrame},
    {"xhr", kXmlHttpRequest},
    {"fetch", kXmlHttpRequest},
    {"css", kStylesheet},
    {"speculative", kOther},
    {"web_manifest", kOther},
    {"xslt", kOther},
    {"xml_dtd", kOther},
    {"webtransport", kWebSocket},
    {"webbundle", kOther},
}};

// Every request names its type, so the lookup is a perfect hash rather than a scan: the length
// and two bytes pick the one name it can be, then one compare of at most three 8-byte words
// (the scan with string compares cost ~65 instructions for "script", this ~20).
// name[0] and name[len - 2] with the length tell the 31 names apart; kTypeSlots is built from
// kTypeNames at compile time and the build fails if two of them share a slot.
constexpr std::size_t kMinTypeName = 3, kMaxTypeName = 17;
constexpr std::size_t type_hash(std::size_t len, char first, char second_last) {
  return (len + static_cast<unsigned char>(first) +
          static_cast<std::size_t>(static_cast<unsigned char>(second_last)) * 39U) &
         127U;
}
struct TypeSlots {
  std::array<std::uint8_t, 128> index{};  // 1 + the kTypeNames index; 0: no name
  bool collision = false;
  constexpr TypeSlots() {
    for (std::size_t i = 0; i < kTypeNames.size(); ++i) {
      const std::string_view n = kTypeNames[i].name;
      if (n.size() < kMinTypeName || n.size() > kMaxTypeName) collision = true;
      const std::size_t h = type_hash(n.size(), n[0], n[n.size() - 2]);
      if (index[h] != 0) collision = true;
      index[h] = static_cast<std::uint8_t>(i + 1);
    }
  }
};
constexpr TypeSlots kTypeSlots;
static_assert(!kTypeSlots.collision, "type_hash: pick other constants for the new name");

// a[0..n) == b[0..n) for 3 <= n <= 24 with overlapping word loads (no memcmp call).
bool same_short(const char* a, const char* b, std::size_t n) {
  if (n >= 8) {
    std::uint64_t d = (load<std::uint64_t>(a) ^ load<std::uint64_t>(b)) |
                      (load<std::uint64_t>(a + n - 8) ^ load<std::uint64_t>(b + n - 8));
    if (n > 16) d |= load<std::uint64_t>(a + 8) ^ load<std::uint64_t>(b + 8);
    return d == 0;
  }
  if (n >= 4) {
    return ((load<std::uint32_t>(a) ^ load<std::uint32_t>(b)) |
            (load<std::uint32_t>(a + n - 4) ^ load<std::uint32_t>(b + n - 4))) == 0;
  }
  return ((load<std::uint16_t>(a) ^ load<std::uint16_t>(b)) | (a[n - 1] ^ b[n - 1])) == 0;
}

// The kTypeNames entry named `name`, or nullptr.
const TypeName* find_type(std::string_view name) {
  const std::size_t n = name.size();
  if (n < kMinTypeName || n > kMaxTypeName) return nullptr;
  const std::uint8_t slot = kTypeSlots.index[type_hash(n, name[0], name[n - 2])];
  if (slot == 0) return nullptr;
  const TypeName& t = kTypeNames[slot - 1U];
  if (t.name.size() != n || !same_short(t.name.data(), name.data(), n)) return nullptr;
  return &t;
}
}  // namespace

std::uint32_t type_from_name(std::string_view name) {
  const TypeName* t = find_type(name);
  return t != nullptr ? t->bit : kOther;
}

bool is_known_type_name(std::string_view name) {
  return find_type(name) != nullptr;
}

std::string_view type_name(std::uint32_t bit) {
  for (const auto& t : kTypeNames) {
    if (t.bit == bit) return t.name;
  }
  return "other";
}

void Request::assign_views(std::string_view url, std::string_view source, std::uint32_t type_bit) {
  url_text_ = view_url(url, url_, false);
  // A top-level document is its own source.
  // Only the document's hostname matters: its path is never looked at.
  source_text_ = view_url((source.empty() && type_bit == kMainFrame) ? url : source, source_, true);
  type_ = type_bit;
  computed_ = 0;
}

std::string_view Request::domain() const {
  if ((computed_ & kDomain) == 0) {
    domain_len_ = static_cast<std::uint32_t>(registrable_domain_view(hostname()).size());
    computed_ |= kDomain;
  }
  return hostname().substr(hostname().size() - domain_len_);
}

std::string_view Request::source_domain() const {
  if ((computed_ & kSourceDomain) == 0) {
    source_domain_len_ =
        static_cast<std::uint32_t>(registrable_domain_view(source_hostname()).size());
    computed_ |= kSourceDomain;
  }
  return source_hostname().substr(source_hostname().size() - source_domain_len_);
}

bool Request::third_party() const {
  // No document at all: nothing is first-party to it.
  if (source_hostname().empty()) return true;
  const std::string_view a = hostname();
  const std::string_view b = source_hostname();
  if (a == b) return false;
  // Without libpsl when the hosts share at most one label (x.com / y.com, or other TLDs):
  // equal registrable domains D would be a common label-suffix, and D has 2+ labels unless a
  // host is a single label itself (then both hosts would equal it).
  std::size_t i = a.size();
  std::size_t j = b.size();
  while (i > 0 && j > 0 && a[i - 1] == b[j - 1]) {
    --i;
    --j;
  }
  std::string_view common = a.substr(i);
  if ((i > 0 && a[i - 1] != '.') || (j > 0 && b[j - 1] != '.')) {
    const std::size_t dot = common.find('.');  // not at a label boundary in both: drop the part
    common = dot == std::string_view::npos ? std::string_view{} : common.substr(dot + 1);
  }
  if (common.find('.') == std::string_view::npos) return true;
  return domain() != source_domain();
}

std::string_view Request::source_entity() const {
  if ((computed_ & kSourceEntity) == 0) {
    source_entity_ = entity_of(source_hostname());
    computed_ |= kSourceEntity;
  }
  return source_entity_;
}

std::string_view Request::entity() const {
  if ((computed_ & kEntity) == 0) {
    entity_ = entity_of(hostname());
    computed_ |= kEntity;
  }
  return entity_;
}

}  // namespace optguard::filters
