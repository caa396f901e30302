#include "ledger/site.hpp"

#include <libpsl.h>

#include <algorithm>
#include <memory>

#include "common/errors.hpp"

namespace optguard::ledger {
namespace {
struct PslFree {
  void operator()(psl_ctx_t* p) const { psl_free(p); }
};

// The system list (Debian publicsuffix) when present, else libpsl's built-in one.
const psl_ctx_t* psl() {
  static const std::unique_ptr<psl_ctx_t, PslFree> ctx(psl_latest(nullptr));
  return ctx ? ctx.get() : psl_builtin();
}

bool is_ip(std::string_view h) {
  if (h.find(':') != std::string_view::npos) return true;  // IPv6 (brackets stripped)
  return !h.empty() &&
         std::all_of(h.begin(), h.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}
}  // namespace

std::string registrable_domain(std::string_view in) {
  std::string_view h = in;
  if (const auto p = h.find("://"); p != std::string_view::npos) h.remove_prefix(p + 3);
  if (const auto p = h.find_first_of("/?#"); p != std::string_view::npos) h = h.substr(0, p);
  if (const auto p = h.rfind('@'); p != std::string_view::npos) h.remove_prefix(p + 1);
  std::string host;
  if (!h.empty() && h.front() == '[') {
    const auto close = h.find(']');
    if (close == std::string_view::npos)
      throw Error(ErrorCode::bad_params, "malformed site: " + std::string(in));
    host = std::string(h.substr(1, close - 1));
  } else {
    if (const auto p = h.rfind(':'); p != std::string_view::npos) h = h.substr(0, p);
    host = std::string(h);
  }
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  });
  while (!host.empty() && host.back() == '.') host.pop_back();
  if (host.empty() || host.size() > 253 || host.find_first_of(" \t\r\n/\\") != std::string::npos) {
    throw Error(ErrorCode::bad_params, "not a site: '" + std::string(in) + "'");
  }
  if (is_ip(host)) return host;
  const char* reg = psl_registrable_domain(psl(), host.c_str());
  return reg != nullptr ? std::string(reg) : host;
}

}  // namespace optguard::ledger
