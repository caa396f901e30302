#pragma once
// A request as the matcher sees it: the URL requested, the document that made it, its type.
//
// URL parsing is forgiving: anything is accepted and never throws. The scheme and host are
// lowercased, an IDN host becomes punycode, userinfo is dropped, IPv6 literals keep their
// brackets in the URL but not in hostname(). data:/blob:/about: URLs have no hostname.
// Parties: third-party = the registrable domains (libpsl) of request and document differ,
// computed lazily (only when a candidate filter asks).
//
// Example:
//   Request r;
//   r.assign("https://Px.Ads.example.co.uk:8443/a.gif", "https://news.example.com/", "image");
//   r.hostname() == "px.ads.example.co.uk"; r.domain() == "example.co.uk"; r.third_party() == true

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "filters/filter.hpp"

namespace optguard::filters {

// The parts of a URL, as offsets into a normalised copy of it.
struct ParsedUrl {
  std::string url;               // normalised URL (see above)
  std::uint32_t host_begin = 0;  // hostname within `url` (without IPv6 brackets)
  std::uint32_t host_end = 0;
  bool has_authority = false;  // `scheme://host...`
  // host_begin <= host_end <= url.size() always holds, so no substr: its range check (it may
  // throw) kept it out of line, and the matcher asks for hostnames on every request.
  std::string_view hostname() const { return {url.data() + host_begin, host_end - host_begin}; }
};

// Parses and normalises `input`; never fails (a string with no scheme is kept as is, no host).
ParsedUrl parse_url(std::string_view input);
// The same into an existing ParsedUrl (reuses its buffer); `authority_only` stops after the
// host (for a document URL, whose hostname is all that matters).
void parse_url_into(std::string_view input, ParsedUrl& out, bool authority_only = false);
// The normalised URL of `input` without a copy when it is `input` itself (a prefix of it,
// authority_only), which it is for most URLs (`https://host/...` with a lowercase host);
// otherwise it is written to scratch.url and that is returned. scratch's host offsets and
// has_authority are set either way (offsets into the returned text).
std::string_view parse_url_view(std::string_view input, ParsedUrl& scratch,
                                bool authority_only = false);
namespace detail {
// The parser for every input (parse_url_into takes a one-pass path for the common case and
// this one for the rest); exposed so fuzz_url can check that the two agree.
void parse_url_general(std::string_view input, ParsedUrl& out, bool authority_only);
}  // namespace detail

// The registrable domain (eTLD+1) of a lowercase ASCII hostname via libpsl; the hostname
// itself for IP literals, public suffixes and single labels; "" for "".
std::string registrable_domain(std::string_view hostname);

// The public suffix of a hostname per libpsl ("co.uk" for "a.example.co.uk"); "" if none.
std::string public_suffix(std::string_view hostname);

// webRequest type name -> TypeBit ("main_frame" -> kMainFrame, "beacon" -> kPing,
// "imageset" -> kImage, "csp_report" -> kPing, unknown -> kOther). Filter option names
// ("subdocument", "xhr", "css", ...) are accepted too.
std::uint32_t type_from_name(std::string_view name);
// The webRequest name of one TypeBit ("image").
std::string_view type_name(std::uint32_t bit);
// True when `name` is a known type name (for CLI validation).
bool is_known_type_name(std::string_view name);

// A string a Request may view: anything that converts to std::string_view except a
// temporary std::string, which would be gone before the request is matched (the build fails
// instead of the request reading freed memory).
template <typename S>
concept ViewableString = std::convertible_to<S, std::string_view> &&
    !(std::same_as<std::remove_cvref_t<S>, std::string> && !std::is_lvalue_reference_v<S>);

class Request {
 public:
  Request() = default;
  // The URL and document are viewed, not copied, when they need no normalising (most do:
  // `https://host/...` with a lowercase host), so they must outlive the request's use.
  template <ViewableString U, ViewableString S, ViewableString T>
  Request(U&& url, S&& source, T&& type) {
    assign(std::forward<U>(url), std::forward<S>(source), std::forward<T>(type));
  }
  // Copies would view the original's buffers.
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;
  // Re-initialises this request (reuses its buffers; nothing is cached across calls).
  template <ViewableString U, ViewableString S, ViewableString T>
  void assign(U&& url, S&& source, T&& type) {
    assign_views(url, source, type_from_name(type));
  }

  std::string_view url() const { return url_text_; }
  std::string_view hostname() const {
    return {url_text_.data() + url_.host_begin, url_.host_end - url_.host_begin};
  }
  std::uint32_t host_begin() const { return url_.host_begin; }
  std::uint32_t host_end() const { return url_.host_end; }
  std::string_view source_hostname() const {
    return {source_text_.data() + source_.host_begin, source_.host_end - source_.host_begin};
  }
  // The document's normalised URL (its authority only) and its hostname's place in it.
  std::string_view source_url() const { return source_text_; }
  std::uint32_t source_host_begin() const { return source_.host_begin; }
  std::uint32_t source_host_end() const { return source_.host_end; }
  bool has_source() const { return !source_text_.empty(); }
  std::uint32_t type() const { return type_; }

  std::string_view domain() const;         // registrable domain of hostname()
  std::string_view source_domain() const;  // registrable domain of the document's hostname
  bool third_party() const;
  // The document's hostname with its public suffix replaced by `*`, for entity matching
  // ("www.example.co.uk" -> "www.example.*"); "" when the host has no public suffix.
  std::string_view source_entity() const;
  std::string_view entity() const;

 private:
  void assign_views(std::string_view url, std::string_view source, std::uint32_t type_bit);
  // The normalised URLs: views of the strings given to assign, or of url_.url / source_.url
  // (their buffers, used only when normalising changed something).
  std::string_view url_text_, source_text_;
  ParsedUrl url_;
  ParsedUrl source_;
  std::uint32_t type_ = kOther;
  // Lazily computed (reset by assign; buffers reused).
  // The registrable domains are suffixes of the hostnames: their lengths.
  mutable std::uint32_t domain_len_ = 0, source_domain_len_ = 0;
  mutable std::string entity_, source_entity_;
  mutable std::uint8_t computed_ = 0;
};

}  // namespace optguard::filters
