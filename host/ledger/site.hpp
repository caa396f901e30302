#pragma once
// Sites are recorded by their registrable domain (eTLD+1), found with libpsl.

#include <string>
#include <string_view>

namespace optguard::ledger {

// "https://WWW.News.Example.co.uk:443/x" -> "example.co.uk". Accepts a URL or a host.
// IP addresses and hosts without a registrable domain (localhost) are returned as they are.
// Throws Error(bad_params) for an empty or malformed host.
std::string registrable_domain(std::string_view url_or_host);

}  // namespace optguard::ledger
