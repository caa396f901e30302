// libFuzzer target for URL parsing and the request/party model: any bytes as URL and
// document. Offsets must stay inside the normalised URL, the hostname must be lowercase,
// and party/entity/type lookups must not fail.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "filters/request.hpp"

namespace {
using namespace optguard::filters;

void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t split = in.find('\n');
  const std::string_view url = in.substr(0, split);
  const std::string_view source =
      split == std::string_view::npos ? std::string_view{} : in.substr(split + 1);

  const ParsedUrl p = parse_url(url);
  require(p.host_begin <= p.host_end && p.host_end <= p.url.size());
  for (char c : p.hostname()) require(!(c >= 'A' && c <= 'Z'));
  const ParsedUrl again = parse_url(p.url);
  require(again.hostname() == p.hostname() || !p.has_authority);
  // The one-pass common-case parser and the general one agree on every input.
  for (const bool authority_only : {false, true}) {
    ParsedUrl fast;
    ParsedUrl general;
    parse_url_into(url, fast, authority_only);
    detail::parse_url_general(url, general, authority_only);
    require(fast.url == general.url && fast.host_begin == general.host_begin &&
            fast.host_end == general.host_end && fast.has_authority == general.has_authority);
    // Into a buffer that held a longer URL (as a reused Request's does): copied in place.
    ParsedUrl reused;
    reused.url.assign(url.size() + 17, 'x');
    parse_url_into(url, reused, authority_only);
    require(reused.url == general.url && reused.host_begin == general.host_begin &&
            reused.host_end == general.host_end && reused.has_authority == general.has_authority);
    // Without a copy: the same text, and the input itself whenever it is returned.
    ParsedUrl scratch;
    const std::string_view view = parse_url_view(url, scratch, authority_only);
    require(view == general.url && scratch.host_begin == general.host_begin &&
            scratch.host_end == general.host_end && scratch.has_authority == general.has_authority);
    require(view.data() == scratch.url.data() || view.data() == url.data());
  }

  Request r(url, source, source.size() % 2 == 0 ? "image" : "main_frame");
  (void)r.third_party();
  (void)r.entity();
  (void)r.source_entity();
  // A reused Request (its lazily computed parts filled for another URL first) answers as a
  // fresh one.
  static Request reused;
  reused.assign(source, source, "image");
  (void)reused.third_party();
  (void)reused.entity();
  (void)reused.source_entity();
  reused.assign(url, source, "image");
  const Request fresh(url, source, "image");
  require(reused.url() == fresh.url() && reused.source_url() == fresh.source_url() &&
          reused.source_host_begin() == fresh.source_host_begin() &&
          reused.source_host_end() == fresh.source_host_end());
  require(reused.third_party() == fresh.third_party() && reused.domain() == fresh.domain() &&
          reused.source_domain() == fresh.source_domain() && reused.entity() == fresh.entity() &&
          reused.source_entity() == fresh.source_entity());
  (void)registrable_domain(r.hostname());
  (void)type_from_name(source);
  return 0;
}
